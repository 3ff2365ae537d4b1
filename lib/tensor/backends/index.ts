import { registerBackend } from '../backend';
import { createJsBackend, JsBackend } from './js';
import { referenceBackend } from './reference';

// The backends the engine ships. A backend is made on first selection and kept (the js pool, gpu kernels).
let js: JsBackend | null = null;
registerBackend('reference', () => referenceBackend);
registerBackend('js', () => (js ??= createJsBackend()));

export { createJsBackend, JsBackend, referenceBackend };
