import { createRequire as __hsCreateRequire } from 'node:module'; const require = __hsCreateRequire(import.meta.url);
import{e}from"./chunk-Z5RLG2GG.js";e();import{createRequire as n}from"node:module";var p=n(import.meta.url);function o(t){let r;return()=>r??=p(t)}var m=o("node:crypto"),c=o("node:v8"),s=o("node:vm"),a=o("node:worker_threads");export{m as a,c as b,s as c,a as d};
