// Renderer ambient types: `window.flowmo` (derived in the preload's declaration file) and Svelte modules.
/// <reference types="svelte" />
/// <reference path="../../preload/index.d.ts" />
