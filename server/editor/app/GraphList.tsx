/** The runtime's graphs (listed as graphs/<name> components): open, create, rename or delete one. */
import { useState } from 'react';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function GraphList({ graphs, current, canEdit, onOpen, onCreate, onRename, onDelete }: {
  graphs: string[]; current?: string; canEdit: boolean;
  onOpen(id: string): void; onCreate(id: string): void; onRename(from: string, to: string): void; onDelete(id: string): void;
}) {
  const [name, setName] = useState('');
  const [renaming, setRenaming] = useState('');
  const valid = NAME.test(name) && !graphs.includes(name);
  const renameValid = NAME.test(renaming) && !graphs.includes(renaming);
  return (
    <div className="graph-list">
      <ul>
        {graphs.map((g) => (
          <li key={g}><button type="button" className={g === current ? 'current' : ''} data-graph={g} onClick={() => onOpen(g)}>{g}</button></li>
        ))}
      </ul>
      {canEdit && current ? (
        <form className="graph-actions" onSubmit={(e) => { e.preventDefault(); if (renameValid) { onRename(current, renaming); setRenaming(''); } }}>
          <input name="rename-graph" placeholder={`rename ${current} to`} value={renaming} onChange={(e) => setRenaming(e.target.value)} />
          <button type="submit" disabled={!renameValid}>Rename</button>
          <button type="button" className="danger" onClick={() => { if (confirm(`Delete graph ${current}? Its file is removed.`)) onDelete(current); }}>Delete</button>
        </form>
      ) : null}
      {canEdit ? (
        <form onSubmit={(e) => { e.preventDefault(); if (valid) { onCreate(name); setName(''); } }}>
          <input name="new-graph" placeholder="new graph name" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" disabled={!valid}>New graph</button>
        </form>
      ) : null}
    </div>
  );
}
