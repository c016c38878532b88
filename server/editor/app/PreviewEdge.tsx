/** An edge that shows the image it carries (network:data) while the designer watches it. */
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type Edge, type EdgeProps } from '@xyflow/react';

export type PreviewEdgeData = { preview?: { url: string; width: number; height: number } };
export type FlowEdge = Edge<PreviewEdgeData, 'preview'>;

export function PreviewEdge(props: EdgeProps<FlowEdge>) {
  const [path, labelX, labelY] = getBezierPath(props);
  const preview = props.data?.preview;
  return (
    <>
      <BaseEdge id={props.id} path={path} style={props.style} interactionWidth={16} />
      {preview ? (
        <EdgeLabelRenderer>
          <div className="edge-preview nodrag nopan" style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}>
            <img src={preview.url} alt={`${props.id}: ${preview.width}x${preview.height}`} data-edge={props.id} />
            <span>{preview.width}×{preview.height}</span>
          </div>
        </EdgeLabelRenderer>
      ) : null}
    </>
  );
}
