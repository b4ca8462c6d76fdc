/**
 * The server-scripts line protocol (server-scripts/README.md), parsed:
 *   HOSTDECK-STEP<TAB>ok|changed|failed|would-change<TAB>name<TAB>detail
 *   HOSTDECK-STATUS<TAB>module<TAB>key=value
 *   HOSTDECK-RESULT<TAB>ok|changed|failed<TAB>ok=N changed=N failed=N
 * Any other line is plain output for the job log.
 */
export type StepState = 'ok' | 'changed' | 'failed' | 'would-change';

export type ProtocolLine =
  | { kind: 'step'; state: StepState; name: string; detail: string }
  | { kind: 'status'; module: string; key: string; value: string }
  | { kind: 'result'; outcome: 'ok' | 'changed' | 'failed'; counts: Record<string, number> }
  | { kind: 'text'; text: string };

const stepStates = new Set<string>(['ok', 'changed', 'failed', 'would-change']);

export function parseLine(line: string): ProtocolLine {
  const parts = line.split('\t');
  const [tag] = parts;
  if (tag === 'HOSTDECK-STEP' && parts.length >= 3 && stepStates.has(parts[1]!)) {
    return { kind: 'step', state: parts[1] as StepState, name: parts[2]!, detail: parts.slice(3).join(' ') };
  }
  if (tag === 'HOSTDECK-STATUS' && parts.length >= 3) {
    const kv = parts.slice(2).join('\t');
    const eq = kv.indexOf('=');
    if (eq > 0) return { kind: 'status', module: parts[1]!, key: kv.slice(0, eq), value: kv.slice(eq + 1) };
  }
  if (tag === 'HOSTDECK-RESULT' && (parts[1] === 'ok' || parts[1] === 'changed' || parts[1] === 'failed')) {
    const counts: Record<string, number> = {};
    for (const pair of (parts[2] ?? '').split(/\s+/)) {
      const [k, v] = pair.split('=');
      if (k && v !== undefined && /^\d+$/.test(v)) counts[k] = Number(v);
    }
    return { kind: 'result', outcome: parts[1], counts };
  }
  return { kind: 'text', text: line };
}

/** Splits a byte stream into complete UTF-8 lines (a line may arrive in many chunks). */
export class LineSplitter {
  private carry = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Buffer): string[] {
    const text = this.carry + this.decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.carry = lines.pop() ?? '';
    return lines.map((l) => l.replace(/\r$/, ''));
  }

  end(): string[] {
    const rest = this.carry + this.decoder.decode();
    this.carry = '';
    return rest ? [rest] : [];
  }
}
