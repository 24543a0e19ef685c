// Filled in by the transport layer.
export {};
