/**
 * A small writer for ONNX graphs: nodes, float/int64 initializers, inputs and outputs, encoded
 * by protobufjs with the subset of onnx.proto in onnx-schema.ts. Names are made unique here so
 * the gradient-graph code can think in tensors, not strings.
 */
import { AttributeType, DataType, onnxRoot } from './onnx-schema.ts';

const Model = onnxRoot.lookupType('onnx.ModelProto');
type Message = Record<string, unknown>;
type Attr = number | number[] | string;
/** Opset 17: ScatterElements with reduction (16+), Split taking sizes as an input (13+). */
export const OPSET = 17;

export class ModelBuilder {
  private nodes: Message[] = [];
  private initializers: Message[] = [];
  private inputs: Message[] = [];
  private outputs: Message[] = [];
  private names = new Map<string, number>();

  /** A name not used before, from `hint`. */
  name(hint: string): string {
    const n = this.names.get(hint) ?? 0;
    this.names.set(hint, n + 1);
    return n === 0 ? hint : `${hint}__${n}`;
  }

  /** Adds a node; returns its output names (`outputs` of them). */
  op(type: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs = 1, hint = type): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => this.name(outputs === 1 ? hint : `${hint}_${i}`));
    const attribute = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
      if (typeof v === 'number') return Number.isInteger(v) ? { name, type: AttributeType.INT, i: v } : { name, type: AttributeType.FLOAT, f: v };
      return { name, type: AttributeType.INTS, ints: v };
    });
    this.nodes.push({ opType: type, input: inputs, output: outs, name: this.name(`n_${hint}`), attribute });
    return outs;
  }

  /** One-output node. */
  op1(type: string, inputs: string[], attrs: Record<string, Attr> = {}, hint = type): string {
    return this.op(type, inputs, attrs, 1, hint)[0];
  }

  private tensor(name: string, data: Float32Array | BigInt64Array, dims: number[]) {
    const isFloat = data instanceof Float32Array;
    // raw_data is little-endian, as typed arrays are on every platform onnxruntime ships for.
    return { name, dims, dataType: isFloat ? DataType.FLOAT : DataType.INT64, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  }

  floats(hint: string, data: Float32Array, dims: number[]): string {
    const name = this.name(hint);
    this.initializers.push(this.tensor(name, data, dims));
    return name;
  }

  ints(hint: string, values: number[]): string {
    const name = this.name(hint);
    this.initializers.push(this.tensor(name, BigInt64Array.from(values.map(BigInt)), [values.length]));
    return name;
  }

  /** A float32 graph input or output; a string dim is symbolic. */
  input(name: string, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  output(name: string, dims: (number | string)[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  /** Renames the tensor `from` to the graph output `name` (Identity, folded away by ORT). */
  outputAs(from: string, name: string, dims: (number | string)[]): void {
    this.nodes.push({ opType: 'Identity', input: [from], output: [name], name: this.name(`n_out_${name}`) });
    this.output(name, dims);
  }

  encode(graphName: string): Uint8Array {
    const graph = { name: graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
    return Model.encode(Model.fromObject({ irVersion: 8, producerName: 'imgflow', opsetImport: [{ domain: '', version: OPSET }], graph })).finish();
  }
}

function valueInfo(name: string, dims: (number | string)[]): Message {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim } } } };
}
