/** A typed widget for one parameter value: number (+ slider with a range), color, enum, checkbox, text. */
import { useEffect, useState } from 'react';
import { rangeOf, type PortDef } from './components.ts';

export interface WidgetProps {
  port: PortDef;
  value: unknown;
  disabled?: boolean;
  onChange(value: unknown): void;
}

const HEX6 = /^#[0-9a-f]{6}$/i;

export function ParamWidget({ port, value, disabled, onChange }: WidgetProps) {
  const shown = value ?? port.default;
  const [text, setText] = useState(shown === undefined ? '' : String(shown));
  useEffect(() => setText(shown === undefined ? '' : String(shown)), [shown]);
  const name = `param-${port.id}`;
  switch (port.type) {
    case 'int':
    case 'number': {
      const { min, max } = rangeOf(port);
      const commit = (t: string) => {
        if (t.trim() === '' || !Number.isFinite(Number(t))) return;
        const n = port.type === 'int' ? Math.round(Number(t)) : Number(t);
        if (n !== value) onChange(n);
      };
      // A slider only over a range a hand can use: 0..1000 px blur is mostly 0..100.
      const sliderMax = max !== undefined ? Math.min(max, (min ?? 0) + 100) : undefined;
      return (
        <span className="widget number">
          {min !== undefined && sliderMax !== undefined ? (
            <input type="range" min={min} max={sliderMax} step={port.type === 'int' ? 1 : 0.1} value={Number(text) || 0} disabled={disabled}
              onChange={(e) => setText(e.target.value)} onPointerUp={(e) => commit((e.target as HTMLInputElement).value)} onKeyUp={(e) => commit((e.target as HTMLInputElement).value)} />
          ) : null}
          <input type="number" name={name} value={text} min={min} max={max} step={port.type === 'int' ? 1 : 'any'} disabled={disabled}
            onChange={(e) => setText(e.target.value)} onBlur={(e) => commit(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') commit((e.target as HTMLInputElement).value); }} />
        </span>
      );
    }
    // `text` shows the choice at once; the runtime's announcement confirms it.
    case 'boolean':
      return <input type="checkbox" name={name} checked={text === 'true'} disabled={disabled} onChange={(e) => { setText(String(e.target.checked)); onChange(e.target.checked); }} />;
    case 'enum':
      return (
        <select name={name} value={text} disabled={disabled} onChange={(e) => { setText(e.target.value); onChange(e.target.value); }}>
          {shown === undefined ? <option value="" /> : null}
          {(port.values ?? []).map((v) => <option key={String(v)} value={String(v)}>{String(v)}</option>)}
        </select>
      );
    case 'color':
      return (
        <span className="widget color">
          <input type="color" value={HEX6.test(text) ? text : '#000000'} disabled={disabled} onChange={(e) => { setText(e.target.value); onChange(e.target.value); }} />
          <input type="text" name={name} value={text} disabled={disabled} onChange={(e) => setText(e.target.value)} onBlur={(e) => e.target.value !== value && onChange(e.target.value)} />
        </span>
      );
    default:
      return <input type="text" name={name} value={text} disabled={disabled} onChange={(e) => setText(e.target.value)} onBlur={(e) => e.target.value !== value && e.target.value !== '' && onChange(e.target.value)} />;
  }
}
