/** A node on the canvas: icon, id, component, and one handle per port (typed). */
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { iconOf, shortName, type ComponentDef } from './components.ts';
import { nodeSize } from './layout.ts';

export type OpNodeData = {
  def?: ComponentDef;
  component: string;
  error?: string;
  exported: Set<string>;
};
export type OpNode = Node<OpNodeData, 'op'>;

export function NodeView({ id, data, selected }: NodeProps<OpNode>) {
  const { def } = data;
  const size = nodeSize(def);
  return (
    <div className={`op-node${selected ? ' selected' : ''}${data.error ? ' failed' : ''}${def ? '' : ' missing'}`} style={size} title={data.error ?? def?.description ?? `Unknown component ${data.component}`}>
      <div className="op-head">
        <span className="op-icon">{iconOf(def?.icon)}</span>
        <span className="op-id">{id}</span>
        <span className="op-component">{shortName(data.component)}</span>
      </div>
      <div className="op-ports">
        <div className="op-in">
          {(def?.inPorts ?? []).map((p) => (
            <div key={p.id} className={`op-port type-${p.type}`} title={`${p.id} (${p.type})${p.description ? `: ${p.description}` : ''}`}>
              <Handle type="target" position={Position.Left} id={p.id} className={`type-${p.type}`} />
              <span className={data.exported.has(`in:${p.id}`) ? 'exported' : ''}>{p.id}</span>
            </div>
          ))}
        </div>
        <div className="op-out">
          {(def?.outPorts ?? []).map((p) => (
            <div key={p.id} className={`op-port type-${p.type}`} title={`${p.id} (${p.type})`}>
              <span className={data.exported.has(`out:${p.id}`) ? 'exported' : ''}>{p.id}</span>
              <Handle type="source" position={Position.Right} id={p.id} className={`type-${p.type}`} />
            </div>
          ))}
        </div>
      </div>
      {data.error ? <div className="op-error">{data.error}</div> : null}
    </div>
  );
}
