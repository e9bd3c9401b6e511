export * from './auth-scramble.js';
export * from './auth-server.js';
export * from './auth-server-static.js';
export { AuthPlugin, type AuthPluginName, Cap, Com, ServerStatus } from './constants.js';
export * from './handler.js';
export * from './mysql-server.js';
