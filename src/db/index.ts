export { startEngine, EngineUnavailableError, type Engine } from './engine.js';
export { connectDatabase, disconnectDatabase, ensureIndexes, describeServer, pingDatabase, IndexCreationError } from './connect.js';
