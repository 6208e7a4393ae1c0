"""SPIR-V counting from literal disassembly: scalar and vector float lanes, exps, sines, matrix products."""

from __future__ import annotations

from performer.export.spirv_count import count_spirv

# What spirv-dis --raw-id prints, trimmed to the instructions the counter reads.
TEXT = """
%1 = OpExtInstImport "GLSL.std.450"
%2 = OpTypeFloat 32
%3 = OpTypeVector %2 4
%4 = OpTypeMatrix %3 4
%10 = OpConstant %2 0.5
%11 = OpConstantComposite %3 %10 %10 %10 %10
%12 = OpConstantComposite %4 %11 %11 %11 %11
%20 = OpFMul %2 %10 %10
%21 = OpFAdd %2 %20 %10
%22 = OpExtInst %2 %1 Exp %21
%23 = OpExtInst %2 %1 Sin %22
%24 = OpVectorTimesScalar %3 %11 %23
%25 = OpFAdd %3 %24 %11
%26 = OpExtInst %3 %1 Exp %25
%27 = OpMatrixTimesVector %3 %12 %26
%28 = OpFNegate %3 %27
"""


def test_scalar_and_vector_lanes_are_both_counted():
    counts = count_spirv(TEXT)
    # scalar FMul + FAdd = 2 lanes; VectorTimesScalar, FAdd, FNegate on vec4 = 12 lanes
    assert counts.other_lanes == 2 + 3 * 4
    assert counts.exp_lanes == 1 + 4  # a scalar exp and a vec4 exp
    assert counts.sin_lanes == 1
    assert (counts.matrix_products, counts.matrix_macs) == (1, 16)
    assert counts.total_lanes == 16 + 5 + 1 + 14
