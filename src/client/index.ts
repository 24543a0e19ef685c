// Filled in by the client layer.
export {};
