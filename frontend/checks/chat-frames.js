// A plain browser script can use the generated types too: JSDoc imports them
// (erased at run time, so the browser never loads types.ts) and tsc checks the
// script like TypeScript (checkJs in tsconfig.json). A chat page script under
// an app's static/ folder is picked up the same way.

/** @typedef {import("../../sample_project/static/types").WebSocketMessage} WebSocketMessage */

/**
 * The frame a chat client sends.
 * @param {string} text
 * @param {string} [room]
 * @returns {WebSocketMessage}
 */
export function chatMessage(text, room) {
  return { type: "chat.message", data: { text }, room, timestamp: new Date().toISOString() };
}

/**
 * Read a frame the server sent.
 * @param {MessageEvent<string>} event
 * @returns {WebSocketMessage}
 */
export function readFrame(event) {
  return JSON.parse(event.data);
}

// @ts-expect-error: a frame's type is a string
export const wrongType = /** @type {WebSocketMessage} */ ({ type: 42 });
