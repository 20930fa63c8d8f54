import { createRequire as __hsCreateRequire } from 'node:module'; const require = __hsCreateRequire(import.meta.url);
import{e}from"./chunk-TSSHTSQK.js";e();import{createRequire as n}from"node:module";var p=n(import.meta.url);function o(t){let r;return()=>r??=p(t)}var i=o("node:os"),m=o("node:crypto"),c=o("node:v8"),f=o("node:vm"),y=o("node:worker_threads");export{i as a,m as b,c,f as d,y as e};
