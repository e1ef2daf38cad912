"""Dev-only cross-check of src/model/onnx/schema.ts against the `onnx` Python package (Debian
python3-onnx 1.12.0): build a model using functions, sparse initializers, sequence/map/optional
types, quantization annotations, training info and metadata with onnx.helper, save it, run it
through the harness's read/write path (plain and fp16) via roundtrip.ts, and compare with onnx.load.

    /usr/bin/python3 bench/dev/onnx-roundtrip/check.py
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[3]


def map_type():
    t = onnx.TypeProto()
    t.map_type.key_type = TensorProto.INT64
    t.map_type.value_type.CopyFrom(helper.make_tensor_type_proto(TensorProto.FLOAT, []))
    return t


def rich_model():
    w = numpy_helper.from_array(np.arange(16, dtype=np.float32).reshape(4, 4) / 8, 'W')
    sparse = helper.make_sparse_tensor(
        numpy_helper.from_array(np.array([1.5, -2], dtype=np.float32), 'S'),
        numpy_helper.from_array(np.array([1, 6], dtype=np.int64), 'S_indices'), [2, 4])
    fn = helper.make_function(
        'local.fn', 'LocalScale', ['a'], ['b'],
        [helper.make_node('Constant', [], ['k'], value_float=0.5), helper.make_node('Mul', ['a', 'k'], ['b'])],
        [helper.make_opsetid('', 17)], attributes=['alpha'], doc_string='b = a * alpha')
    seq = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, ['n', 4]))
    graph = helper.make_graph(
        [helper.make_node('MatMul', ['x', 'W'], ['y']), helper.make_node('LocalScale', ['y'], ['z'], domain='local.fn', alpha=0.5)],
        'rich', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['n', 4])],
        [helper.make_tensor_value_info('z', TensorProto.FLOAT, ['n', 4])], initializer=[w],
        value_info=[
            helper.make_value_info('seq', seq),
            helper.make_value_info('map', map_type()),
            helper.make_value_info('opt', helper.make_optional_type_proto(seq)),
        ],
        sparse_initializer=[sparse])
    ann = graph.quantization_annotation.add()
    ann.tensor_name = 'y'
    ann.quant_parameter_tensor_names.add(key='SCALE_TENSOR', value='y_scale')
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17), helper.make_opsetid('local.fn', 1)], functions=[fn])
    helper.set_model_props(model, {'author': 'café 日本', 'licence': 'MIT'})
    ti = model.training_info.add()
    ti.initialization.CopyFrom(helper.make_graph([helper.make_node('RandomNormal', [], ['W_init'], shape=[4, 4])], 'init', [],
                                                 [helper.make_tensor_value_info('W_init', TensorProto.FLOAT, [4, 4])]))
    ti.initialization_binding.add(key='W', value='W_init')
    return model


def main():
    with tempfile.TemporaryDirectory() as d:
        src, plain, fp16 = (str(Path(d) / f) for f in ('src.onnx', 'plain.onnx', 'fp16.onnx'))
        model = rich_model()
        onnx.checker.check_model(model)
        onnx.save(model, src)
        subprocess.run(['npx', 'tsx', 'bench/dev/onnx-roundtrip/roundtrip.ts', src, plain, fp16], cwd=ROOT, check=True)
        back = onnx.load(plain)
        ok = back == onnx.load(src)
        print('plain round trip equals the original message:', ok)
        print('plain round trip bytes identical:', Path(plain).read_bytes() == Path(src).read_bytes())
        half = onnx.load(fp16)
        onnx.checker.check_model(half)
        kept = all(getattr(half, f) == getattr(model, f) for f in ('functions', 'training_info', 'metadata_props', 'opset_import'))
        kept = kept and half.graph.sparse_initializer == model.graph.sparse_initializer
        kept = kept and half.graph.quantization_annotation == model.graph.quantization_annotation
        kept = kept and list(half.graph.value_info)[:3] == list(model.graph.value_info)
        print('fp16 rewrite keeps functions, training info, metadata, sparse initializers, annotations, types:', kept)
        print('fp16 weight type:', [TensorProto.DataType.Name(t.data_type) for t in half.graph.initializer])
        sys.exit(0 if ok and kept else 1)


if __name__ == '__main__':
    main()
