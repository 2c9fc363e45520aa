// Loads the TypeScript sources through tsx. libxml2-wasm (a 1 MB module with libxml2 compiled to
// WebAssembly inside) is loaded by Node itself first: through tsx's transform it would cost the
// process some 130 MB more memory for the same module.
await import('libxml2-wasm');
const { register } = await import('tsx/esm/api');
register();
