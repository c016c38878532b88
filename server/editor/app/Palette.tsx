/** The components from component:list, by category, searchable; drag one onto the canvas (or double-click). */
import { useMemo, useState } from 'react';
import { categoryOf, iconOf, shortName, type ComponentDef } from './components.ts';

export const DRAG_TYPE = 'application/x-imgflow-component';

export function Palette({ components, onAdd, disabled }: { components: ComponentDef[]; onAdd(name: string): void; disabled: boolean }) {
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const byCategory = new Map<string, ComponentDef[]>();
    for (const c of components) {
      if (q && !c.name.toLowerCase().includes(q) && !(c.description ?? '').toLowerCase().includes(q)) continue;
      const cat = categoryOf(c.name);
      byCategory.set(cat, [...(byCategory.get(cat) ?? []), c]);
    }
    return [...byCategory.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [components, query]);
  return (
    <div className="palette">
      <input type="search" placeholder="Search components" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search components" />
      {groups.map(([cat, list]) => (
        <details key={cat} open={cat !== 'gegl' || query !== ''}>
          <summary>{cat} <small>({list.length})</small></summary>
          <ul>
            {list.map((c) => (
              <li key={c.name} className="palette-item" data-component={c.name} title={c.description} draggable={!disabled}
                onDragStart={(e) => { e.dataTransfer.setData(DRAG_TYPE, c.name); e.dataTransfer.effectAllowed = 'copy'; }}
                onDoubleClick={() => !disabled && onAdd(c.name)}>
                <span className="op-icon">{iconOf(c.icon)}</span>
                <span className="palette-name">{shortName(c.name)}</span>
                <small className="palette-description">{c.description}</small>
              </li>
            ))}
          </ul>
        </details>
      ))}
    </div>
  );
}
