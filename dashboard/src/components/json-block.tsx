import { prettyJson } from '../lib/format.js';

export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  return (
    <figure className="json-figure" aria-label={label}>
      <pre className="json">{prettyJson(value)}</pre>
    </figure>
  );
}
