import { InvalidArgumentError } from '../core/errors.js';
import type { Handler, Handlers } from './types.js';

/** A worker's handlers, resolved: which names it claims (undefined: any) and the handler for a name. */
export interface HandlerTable {
  names: string[] | undefined;
  resolve(name: string): Handler | undefined;
}

/** Checks what `work(queue, handlers)` was given and turns it into a lookup table. */
export function handlerTable(queue: string, handlers: Handlers): HandlerTable {
  if (typeof handlers === 'function') return { names: undefined, resolve: () => handlers };
  if (typeof handlers === 'object' && handlers !== null && Object.keys(handlers).length > 0) {
    for (const [name, handler] of Object.entries(handlers)) {
      if (typeof handler !== 'function') throw new InvalidArgumentError(`The handler for "${name}" on queue "${queue}" is not a function.`);
    }
    return { names: Object.keys(handlers), resolve: (name) => (Object.hasOwn(handlers, name) ? handlers[name] : undefined) };
  }
  throw new InvalidArgumentError(
    `work("${queue}", handlers) needs a handler function or an object mapping job names to handler functions.`,
  );
}
