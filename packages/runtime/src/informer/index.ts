export { Informer, type InformerEvent, type InformerOptions } from "./informer.js";
export { Store, objectKey, type IndexFunction, type CachedObject } from "./store.js";
