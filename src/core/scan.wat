;; The detection core's byte passes (src/core/bytes.ts), for a text whose every byte is one character.
;; Assembled by scripts/wasm.mjs into src/core/scan-wasm.ts; a test checks that file is this one.
;;
;; Each pass gives what its JavaScript twin in prefilter.ts / detect.ts gives, on offsets relative to
;; the text's first byte at $p. Reads go at most 18 bytes past the text's end: the caller keeps
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

  ;; The literals of a set starting in [$start, $end): at each place, the longest one there (its
  ;; first 16 bytes, case-insensitive for ASCII letters), as a pair (place, the literal's number).
  ;; The set at $set (laid out by bytes.ts `literalSet`):
  ;;   [0, 96)       nibble tables: per byte of the first 3 (OR 0x20), a bit per bucket of literal
  ;;                 prefixes, at its low nibble (16 bytes) and its high nibble (16 bytes);
  ;;   [96, 8288)    per 12-bit hash of the first 4 bytes (OR 0x20, AND $mask: the first k, k the
  ;;                 shortest literal up to 4), a u16: 0, or where the list of literal numbers
  ;;                 with that hash starts (from $set), each a u8, ending with 255;
  ;;   at $entries   per literal, 32 bytes: its first 16 bytes lower-cased, then 16 bytes of mask
  ;;                 (255 where the literal has a byte); at $entries - 256, each literal's length
  ;;                 (at most 16 counts).
  ;; 16 places at a time are tested with the nibble tables (Teddy's filter), those left with the
  ;; hash, then each literal of its list is compared. Hits go from $o on, while below $last;
  ;; returns where the next would go.
  (func $range (param $p i32) (param $start i32) (param $end i32) (param $set i32) (param $mask i32) (param $entries i32) (param $o i32) (param $last i32) (result i32)
    (local $b i32) (local $m i32) (local $i i32) (local $h i32) (local $a i32)
    (local $list i32) (local $id i32) (local $best i32) (local $bestLen i32) (local $len i32) (local $e i32)
    (local $lo0 v128) (local $hi0 v128) (local $lo1 v128) (local $hi1 v128) (local $lo2 v128) (local $hi2 v128) (local $fold v128)
    (local $low4 v128) (local $v v128) (local $x v128) (local $t v128)
    (local.set $lo0 (v128.load (local.get $set)))
    (local.set $hi0 (v128.load offset=16 (local.get $set)))
    (local.set $lo1 (v128.load offset=32 (local.get $set)))
    (local.set $hi1 (v128.load offset=48 (local.get $set)))
    (local.set $lo2 (v128.load offset=64 (local.get $set)))
    (local.set $hi2 (v128.load offset=80 (local.get $set)))
    (local.set $fold (i8x16.splat (i32.const 0x20)))
    (local.set $low4 (i8x16.splat (i32.const 15)))
    (local.set $b (local.get $start))
    (block $done
      (loop $blk
        (br_if $done (i32.ge_s (local.get $b) (local.get $end)))
        (local.set $a (i32.add (local.get $p) (local.get $b)))
        ;; Per place, the buckets its 3 bytes allow.
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
              (i32.const 20)))
            (local.set $list (i32.load16_u offset=96 (i32.add (local.get $set) (i32.shl (local.get $h) (i32.const 1)))))
            (if (local.get $list)
              (then
                ;; The 16 bytes at the place, ASCII letters lower-cased.
                (local.set $v (v128.load (i32.add (local.get $p) (local.get $i))))
                (local.set $t (v128.or (local.get $v)
                  (v128.and (local.get $fold)
                    (i8x16.lt_u (i8x16.sub (v128.or (local.get $v) (local.get $fold)) (i8x16.splat (i32.const 97))) (i8x16.splat (i32.const 26))))))
                (local.set $list (i32.add (local.get $set) (local.get $list)))
                (local.set $bestLen (i32.const 0))
                (block $listed
                  (loop $each
                    (local.set $id (i32.load8_u (local.get $list)))
                    (br_if $listed (i32.eq (local.get $id) (i32.const 255)))
                    (local.set $list (i32.add (local.get $list) (i32.const 1)))
                    (local.set $e (i32.add (local.get $entries) (i32.shl (local.get $id) (i32.const 5))))
                    (local.set $len (i32.load8_u (i32.sub (i32.add (local.get $entries) (local.get $id)) (i32.const 256))))
                    (if (i32.and
                          (i32.gt_u (local.get $len) (local.get $bestLen))
                          (i8x16.all_true (i8x16.eq (v128.and (local.get $t) (v128.load offset=16 (local.get $e))) (v128.load (local.get $e)))))
                      (then
                        (local.set $best (local.get $id))
                        (local.set $bestLen (local.get $len))))
                    (br $each)))
                (if (local.get $bestLen)
                  (then
                    (br_if $done (i32.ge_u (local.get $o) (local.get $last)))
                    (i32.store (local.get $o) (local.get $i))
                    (i32.store offset=4 (local.get $o) (local.get $best))
                    (local.set $o (i32.add (local.get $o) (i32.const 8)))))))
            (br $bit)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $blk)))
    (local.get $o))

  ;; `range` over [$start, $end); returns the number of i32 written (2 a hit).
  (func (export "literals") (param $p i32) (param $start i32) (param $end i32) (param $set i32) (param $mask i32) (param $entries i32) (param $out i32) (param $cap i32) (result i32)
    (i32.shr_u
      (i32.sub
        (call $range (local.get $p) (local.get $start) (local.get $end) (local.get $set) (local.get $mask) (local.get $entries)
          (local.get $out) (i32.add (local.get $out) (i32.shl (i32.and (local.get $cap) (i32.const -2)) (i32.const 2))))
        (local.get $out))
      (i32.const 2)))

  ;; `range` over each of $n ranges at $wins ([start, end) as two i32, in order, apart), on until $cap
  ;; i32 are written; returns how many were.
  (func (export "literalsIn") (param $p i32) (param $wins i32) (param $n i32) (param $set i32) (param $mask i32) (param $entries i32) (param $out i32) (param $cap i32) (result i32)
    (local $o i32) (local $last i32) (local $w i32) (local $wend i32)
    (local.set $o (local.get $out))
    (local.set $last (i32.add (local.get $out) (i32.shl (i32.and (local.get $cap) (i32.const -2)) (i32.const 2))))
    (local.set $w (local.get $wins))
    (local.set $wend (i32.add (local.get $wins) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $w) (local.get $wend)))
        (local.set $o (call $range (local.get $p) (i32.load (local.get $w)) (i32.load offset=4 (local.get $w)) (local.get $set) (local.get $mask) (local.get $entries) (local.get $o) (local.get $last)))
        (br_if $done (i32.ge_u (local.get $o) (local.get $last)))
        (local.set $w (i32.add (local.get $w) (i32.const 8)))
        (br $each)))
    (i32.shr_u (i32.sub (local.get $o) (local.get $out)) (i32.const 2)))
)
