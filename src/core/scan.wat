;; The detection core's byte passes (src/core/bytes.ts), for a text whose every byte is one character.
;; Assembled by scripts/wasm.mjs into src/core/scan-wasm.ts; a test checks that file is this one.
;;
;; Each pass gives what its JavaScript twin in prefilter.ts / detect.ts gives, on offsets relative to
;; the text's first byte at $p. Reads go at most 16 bytes past the text's end: the caller keeps
;; them readable and zero. A pass writes at most $cap results (i32) at $out and returns how many it
;; wrote; at $cap the caller calls it again from past the last one.
;;
;; Memory: [0, 256) a class per byte value (bit 0: a base64 / base64url character, bit 1: a hex
;; digit), [256, 288) base64 characters as nibble tables (low, high: a byte is one when the bits at
;; its two nibbles meet), filled by the caller; the rest is laid out by the caller.
(module
  (memory (export "memory") 1)

  ;; base64Runs: maximal runs of base64 characters at least $min long (16 or more), as [start, end)
  ;; pairs, from $q on ($q is 0 or just past a character that is not base64). Returns the number of
  ;; i32 written (twice the number of runs). A run of $min characters holds the 16 from one of
  ;; $q + j * ($min - 15): those are tested 16 at a time, and a run found so measured byte by byte.
  (func (export "runs") (param $p i32) (param $q i32) (param $n i32) (param $min i32) (param $out i32) (param $cap i32) (result i32)
    (local $s i32) (local $e i32) (local $o i32) (local $last i32) (local $v v128) (local $lo v128) (local $hi v128) (local $stride i32)
    (local.set $lo (v128.load (i32.const 256)))
    (local.set $hi (v128.load (i32.const 272)))
    (local.set $stride (i32.sub (local.get $min) (i32.const 15)))
    (local.set $o (local.get $out))
    (local.set $last (i32.add (local.get $out) (i32.shl (i32.and (local.get $cap) (i32.const -2)) (i32.const 2))))
    (block $done
      (loop $blk
        (br_if $done (i32.gt_s (i32.add (local.get $q) (i32.const 16)) (local.get $n)))
        ;; Each byte's class bits by its low and its high nibble (the tables at 256 and 272): all
        ;; base64 characters, or on $stride bytes (a run of $min holds 16 from one of the offsets
        ;; tried: $q + j * ($min - 15)).
        (local.set $v (v128.load (i32.add (local.get $p) (local.get $q))))
        (if (i32.eqz (i8x16.all_true (v128.and
              (i8x16.swizzle (local.get $lo) (v128.and (local.get $v) (i8x16.splat (i32.const 15))))
              (i8x16.swizzle (local.get $hi) (i8x16.shr_u (local.get $v) (i32.const 4))))))
          (then
            (local.set $q (i32.add (local.get $q) (local.get $stride)))
            (br $blk)))
        ;; 16 base64 characters from $q: the run holding them.
        (local.set $s (local.get $q))
        (block $start
          (loop $back
            (br_if $start (i32.eqz (local.get $s)))
            (br_if $start (i32.eqz (i32.and (i32.load8_u (i32.load8_u (i32.sub (i32.add (local.get $p) (local.get $s)) (i32.const 1)))) (i32.const 1))))
            (local.set $s (i32.sub (local.get $s) (i32.const 1)))
            (br $back)))
        (local.set $e (i32.add (local.get $q) (i32.const 16)))
        (block $end
          (loop $fwd
            (br_if $end (i32.ge_u (local.get $e) (local.get $n)))
            (br_if $end (i32.eqz (i32.and (i32.load8_u (i32.load8_u (i32.add (local.get $p) (local.get $e)))) (i32.const 1))))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br $fwd)))
        (if (i32.ge_s (i32.sub (local.get $e) (local.get $s)) (local.get $min))
          (then
            (br_if $done (i32.ge_u (local.get $o) (local.get $last)))
            (i32.store (local.get $o) (local.get $s))
            (i32.store offset=4 (local.get $o) (local.get $e))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))))
        (local.set $q (i32.add (local.get $e) (i32.const 1)))
        (br $blk)))
    (i32.shr_u (i32.sub (local.get $o) (local.get $out)) (i32.const 2)))

  ;; Whether the 4 bytes at $a are hex digits: bit 1 of the result.
  (func $hex4 (param $a i32) (result i32)
    (i32.and
      (i32.and (i32.load8_u (i32.load8_u (local.get $a))) (i32.load8_u (i32.load8_u offset=1 (local.get $a))))
      (i32.and (i32.load8_u (i32.load8_u offset=2 (local.get $a))) (i32.load8_u (i32.load8_u offset=3 (local.get $a))))))

  ;; uuidShapes: offsets of every `-hhhh-hhhh-hhhh-` starting in [$from, $n - 15). Dashes are found 16
  ;; bytes at a time.
  (func (export "uuids") (param $p i32) (param $from i32) (param $n i32) (param $out i32) (param $cap i32) (result i32)
    (local $b i32) (local $m i32) (local $i i32) (local $o i32) (local $lim i32) (local $a i32) (local $last i32)
    (local.set $o (local.get $out))
    (local.set $last (i32.add (local.get $out) (i32.shl (local.get $cap) (i32.const 2))))
    (local.set $lim (i32.sub (local.get $n) (i32.const 15)))
    (local.set $b (local.get $from))
    (block $done
      (loop $blk
        (br_if $done (i32.ge_s (local.get $b) (local.get $lim)))
        (local.set $m (i8x16.bitmask (i8x16.eq (v128.load (i32.add (local.get $p) (local.get $b))) (i8x16.splat (i32.const 45)))))
        (block $bits
          (loop $bit
            (br_if $bits (i32.eqz (local.get $m)))
            (local.set $i (i32.add (local.get $b) (i32.ctz (local.get $m))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (br_if $done (i32.ge_s (local.get $i) (local.get $lim)))
            (local.set $a (i32.add (local.get $p) (local.get $i)))
            (if (i32.and
                  (i32.and (i32.eq (i32.load8_u offset=5 (local.get $a)) (i32.const 45))
                           (i32.eq (i32.load8_u offset=10 (local.get $a)) (i32.const 45)))
                  (i32.eq (i32.load8_u offset=15 (local.get $a)) (i32.const 45)))
              (then
                (if (i32.and
                      (i32.and (call $hex4 (i32.add (local.get $a) (i32.const 1))) (call $hex4 (i32.add (local.get $a) (i32.const 6))))
                      (i32.and (call $hex4 (i32.add (local.get $a) (i32.const 11))) (i32.const 2)))
                  (then
                    (br_if $done (i32.ge_u (local.get $o) (local.get $last)))
                    (i32.store (local.get $o) (local.get $i))
                    (local.set $o (i32.add (local.get $o) (i32.const 4)))))))
            (br $bit)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $blk)))
    (i32.shr_u (i32.sub (local.get $o) (local.get $out)) (i32.const 2)))

  ;; The places in [$start, $end) where a literal of a set may start. Two filters, both on bytes OR
  ;; 0x20 (ASCII letters folded to lower case; other bytes stay apart or pair up, never lost):
  ;; - 16 places at a time, the first 3 bytes each looked up in the set's nibble tables at $tables
  ;;   (6 x 16 bytes: low and high nibble per byte; a bit per bucket of literal prefixes);
  ;; - then at each place left, its first 4 bytes AND $mask (the first k, k the set's shortest
  ;;   literal up to 4) hashed into the set's 32 Kbit bitmap at $tables + 96.
  ;; A superset of the literals' case-insensitive hits, which the caller checks with a regex.
  (func (export "cands") (param $p i32) (param $start i32) (param $end i32) (param $tables i32) (param $mask i32) (param $out i32) (param $cap i32) (result i32)
    (local $b i32) (local $m i32) (local $i i32) (local $h i32) (local $o i32) (local $last i32) (local $a i32)
    (local $lo0 v128) (local $hi0 v128) (local $lo1 v128) (local $hi1 v128) (local $lo2 v128) (local $hi2 v128) (local $fold v128)
    (local $low4 v128) (local $v v128) (local $x v128)
    (local.set $o (local.get $out))
    (local.set $last (i32.add (local.get $out) (i32.shl (local.get $cap) (i32.const 2))))
    (local.set $lo0 (v128.load (local.get $tables)))
    (local.set $hi0 (v128.load offset=16 (local.get $tables)))
    (local.set $lo1 (v128.load offset=32 (local.get $tables)))
    (local.set $hi1 (v128.load offset=48 (local.get $tables)))
    (local.set $lo2 (v128.load offset=64 (local.get $tables)))
    (local.set $hi2 (v128.load offset=80 (local.get $tables)))
    (local.set $fold (i8x16.splat (i32.const 0x20)))
    (local.set $low4 (i8x16.splat (i32.const 15)))
    (local.set $b (local.get $start))
    (block $done
      (loop $blk
        (br_if $done (i32.ge_s (local.get $b) (local.get $end)))
        (local.set $a (i32.add (local.get $p) (local.get $b)))
        ;; Per byte, the buckets its 3 bytes allow (each looked up by its low and its high nibble).
        (local.set $x (v128.const i32x4 -1 -1 -1 -1))
        (local.set $v (v128.or (v128.load offset=0 (local.get $a)) (local.get $fold)))
        (local.set $x (v128.and (local.get $x) (v128.and
          (i8x16.swizzle (local.get $lo0) (v128.and (local.get $v) (local.get $low4)))
          (i8x16.swizzle (local.get $hi0) (i8x16.shr_u (local.get $v) (i32.const 4))))))
        (local.set $v (v128.or (v128.load offset=1 (local.get $a)) (local.get $fold)))
        (local.set $x (v128.and (local.get $x) (v128.and
          (i8x16.swizzle (local.get $lo1) (v128.and (local.get $v) (local.get $low4)))
          (i8x16.swizzle (local.get $hi1) (i8x16.shr_u (local.get $v) (i32.const 4))))))
        (local.set $v (v128.or (v128.load offset=2 (local.get $a)) (local.get $fold)))
        (local.set $x (v128.and (local.get $x) (v128.and
          (i8x16.swizzle (local.get $lo2) (v128.and (local.get $v) (local.get $low4)))
          (i8x16.swizzle (local.get $hi2) (i8x16.shr_u (local.get $v) (i32.const 4))))))
        (local.set $m (i8x16.bitmask (i8x16.ne (local.get $x) (v128.const i32x4 0 0 0 0))))
        (if (i32.lt_s (i32.sub (local.get $end) (local.get $b)) (i32.const 16))
          (then (local.set $m (i32.and (local.get $m) (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $end) (local.get $b))) (i32.const 1))))))
        (block $bits
          (loop $bit
            (br_if $bits (i32.eqz (local.get $m)))
            (local.set $i (i32.add (local.get $b) (i32.ctz (local.get $m))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (local.set $h (i32.shr_u
              (i32.mul (i32.and (i32.or (i32.load (i32.add (local.get $p) (local.get $i))) (i32.const 0x20202020)) (local.get $mask)) (i32.const 0x9E3779B1))
              (i32.const 17)))
            (if (i32.and (i32.load8_u offset=96 (i32.add (local.get $tables) (i32.shr_u (local.get $h) (i32.const 3)))) (i32.shl (i32.const 1) (i32.and (local.get $h) (i32.const 7))))
              (then
                (br_if $done (i32.ge_u (local.get $o) (local.get $last)))
                (i32.store (local.get $o) (local.get $i))
                (local.set $o (i32.add (local.get $o) (i32.const 4)))))
            (br $bit)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $blk)))
    (i32.shr_u (i32.sub (local.get $o) (local.get $out)) (i32.const 2)))
)
