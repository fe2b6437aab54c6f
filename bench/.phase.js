process.env.BENCH_LIBRARY=process.cwd()+'/lib';
require('ts-node').register({transpileOnly:true});
const {App}=require('cdktf');const {Construct}=require('constructs');
const lib=require(process.cwd()+'/bench/library.ts');
const {performance}=require('perf_hooks');
// count findAll
const orig=Construct.prototype.node;
const Node=require('constructs').Node;const fa=Node.prototype.findAll;let nfa=0,tfa=0;
Node.prototype.findAll=function(...a){nfa++;const t=performance.now();const r=fa.apply(this,a);tfa+=performance.now()-t;return r;};

const n=Number(process.argv[2]||10000);
for(let rep=0;rep<3;rep++){
nfa=0;tfa=0;
const t0=performance.now();const app=new App({outdir:'/tmp/phase-out'});lib.libraryStack(app,n);const t1=performance.now();app.synth();const t2=performance.now();
console.log(`build ${(t1-t0).toFixed(0)} synth ${(t2-t1).toFixed(0)} findAll ${nfa} ${tfa.toFixed(0)}ms`);}
