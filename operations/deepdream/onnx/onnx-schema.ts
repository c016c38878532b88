/**
 * The part of ONNX's model format the gradient graph writes, as a protobufjs JSON descriptor.
 * Field names and numbers are copied from onnx/onnx.proto (ONNX project, Apache License 2.0,
 * https://github.com/onnx/onnx/blob/main/onnx/onnx.proto); fields we never write are left out,
 * which protobuf allows (a reader sees them unset).
 */
import protobuf from 'protobufjs/light.js';

const f = (id: number, type: string, rule?: 'repeated') => (rule ? { id, type, rule } : { id, type });

export const onnxRoot = protobuf.Root.fromJSON({
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: { irVersion: f(1, 'int64'), producerName: f(2, 'string'), graph: f(7, 'GraphProto'), opsetImport: f(8, 'OperatorSetIdProto', 'repeated') },
        },
        OperatorSetIdProto: { fields: { domain: f(1, 'string'), version: f(2, 'int64') } },
        GraphProto: {
          fields: {
            node: f(1, 'NodeProto', 'repeated'),
            name: f(2, 'string'),
            initializer: f(5, 'TensorProto', 'repeated'),
            input: f(11, 'ValueInfoProto', 'repeated'),
            output: f(12, 'ValueInfoProto', 'repeated'),
          },
        },
        NodeProto: {
          fields: { input: f(1, 'string', 'repeated'), output: f(2, 'string', 'repeated'), name: f(3, 'string'), opType: f(4, 'string'), attribute: f(5, 'AttributeProto', 'repeated'), domain: f(7, 'string') },
        },
        AttributeProto: {
          fields: { name: f(1, 'string'), f: f(2, 'float'), i: f(3, 'int64'), s: f(4, 'bytes'), floats: f(7, 'float', 'repeated'), ints: f(8, 'int64', 'repeated'), type: f(20, 'int32') },
        },
        TensorProto: { fields: { dims: f(1, 'int64', 'repeated'), dataType: f(2, 'int32'), name: f(8, 'string'), rawData: f(9, 'bytes') } },
        ValueInfoProto: { fields: { name: f(1, 'string'), type: f(2, 'TypeProto') } },
        TypeProto: {
          fields: { tensorType: f(1, 'Tensor') },
          nested: { Tensor: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } } },
        },
        TensorShapeProto: {
          fields: { dim: f(1, 'Dimension', 'repeated') },
          nested: { Dimension: { fields: { dimValue: f(1, 'int64'), dimParam: f(2, 'string') } } },
        },
      },
    },
  },
});

/** onnx.TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
/** onnx.AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;
