/** The runtime's graphs (listed as graphs/<name> components): open one or create a new one. */
import { useState } from 'react';

export function GraphList({ graphs, current, canEdit, onOpen, onCreate }: {
  graphs: string[]; current?: string; canEdit: boolean; onOpen(id: string): void; onCreate(id: string): void;
}) {
  const [name, setName] = useState('');
  const valid = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) && !graphs.includes(name);
  return (
    <div className="graph-list">
      <ul>
        {graphs.map((g) => (
          <li key={g}><button type="button" className={g === current ? 'current' : ''} data-graph={g} onClick={() => onOpen(g)}>{g}</button></li>
        ))}
      </ul>
      {canEdit ? (
        <form onSubmit={(e) => { e.preventDefault(); if (valid) { onCreate(name); setName(''); } }}>
          <input name="new-graph" placeholder="new graph name" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" disabled={!valid}>New graph</button>
        </form>
      ) : null}
    </div>
  );
}
