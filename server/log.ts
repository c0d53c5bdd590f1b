import { writeSync } from 'node:fs';

/** Structured JSON logs, one object a line. Callers never pass tokens or draft bodies. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Lines to stdout, written after the current turn of the event loop instead of at once: a
 * request's log line is emitted before its response has gone out, and writing it then held the
 * response back by a write call. Lines keep their order; whatever is pending at exit is written
 * synchronously (an uncaught error or `process.exit` loses nothing; only a SIGKILL can).
 */
let pendingLines: string[] = [];
const flushLines = () => {
  if (!pendingLines.length) return;
  const text = pendingLines.join('');
  pendingLines = [];
  process.stdout.write(text);
};
let exitHooked = false;
function stdoutAfterTurn(line: string): void {
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      if (pendingLines.length) writeSync(1, pendingLines.join(''));
      pendingLines = [];
    });
  }
  if (!pendingLines.length) setImmediate(flushLines);
  pendingLines.push(`${line}\n`);
}

export function jsonLogger(write: (line: string) => void = stdoutAfterTurn): Logger {
  const emit = (level: string, msg: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
