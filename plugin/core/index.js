/**
 * Entry point of the core plugin: importing it registers <vastaus-panel>.
 * Adapters load only this file (an ES module, no build step):
 *   import { define } from '../core/index.js';
 */
import { define } from './panel.js';

export { ApiError, cachingTransport, createApi, fetchTransport } from './api.js';
export { factsFrom, NO_FACTS, VastausPanel, define } from './panel.js';

define();
