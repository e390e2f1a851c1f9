// The host code of a small entry point, one kernel per op (--no-fusion):
// the arena plan (slot sizes rounded to 64 bytes, offsets as running sums,
// a dead value's slot reused), the checks of the caller's data before any
// kernel (a derived dim against a symbol, embedding indices), the kernel
// calls on arena, parameter and caller buffers with their status checks,
// the descriptor's globals and a C wrapper.
// RUN: dlc %s --emit=host --no-fusion | FileCheck %s

module @small attributes {dl.model = "small"} {
  dl.parameter @table : tensor<10x4xf32> = normal
  func.func @forward(%x: tensor<?x8xf32> {dl.dims = ["batch", 8], dl.name = "x"},
                     %ids: tensor<?xi32> {dl.dims = ["rows"], dl.name = "ids"})
      -> (tensor<?x4xf32> {dl.dims = ["rows", 4], dl.name = "y"})
      attributes {dl.entry = "forward"} {
    // An alias of %x: 2 * batch rows, known at run time.
    %z = dl.reshape %x [-1, 4] : (tensor<?x8xf32>) -> tensor<?x4xf32>
    %a = dl.relu %z : tensor<?x4xf32>
    %b = dl.exp %a : tensor<?x4xf32>
    %c = dl.mul %a, %b : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
    %t = dl.param @table : tensor<10x4xf32>
    %e = dl.embedding %t, %ids : (tensor<10x4xf32>, tensor<?xi32>) -> tensor<?x4xf32>
    %y = dl.add %c, %e : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
    return %y : tensor<?x4xf32>
  }
}

// Slots: 0 = relu, then the embedding once relu's last reader (mul) ran;
// 1 = exp; 2 = mul. The add writes the caller's buffer.
// CHECK-LABEL: func.func @small_forward_arena_bytes(%arg0: i64, %arg1: i64) -> i64
// CHECK:      %[[M:.*]] = arith.muli %arg0, %c8_i64 : i64
// CHECK-NEXT: %[[ROWS:.*]] = arith.divsi %[[M]], %c4_i64 : i64
// Tensors over 2^31 - 1 elements make the plan fail.
// CHECK:      arith.cmpf ogt, %{{.*}}, %[[LIMIT:cst_[0-9]+]] : f64
// CHECK:      %[[RELU:.*]] = arith.muli %[[ROWS]], %c16_i64 : i64
// CHECK-NEXT: %[[R0:.*]] = arith.maxsi %[[RELU]], %c0_i64 : i64
// CHECK-NEXT: %[[EMB:.*]] = arith.muli %arg1, %c16_i64 : i64
// CHECK-NEXT: %[[MAX0:.*]] = arith.maxsi %[[R0]], %[[EMB]] : i64
// CHECK-NEXT: %[[A0:.*]] = arith.addi %[[MAX0]], %c63_i64 : i64
// CHECK-NEXT: %[[SIZE0:.*]] = arith.andi %[[A0]], %c-64_i64 : i64
// CHECK-NEXT: %[[A1:.*]] = arith.addi %[[R0]], %c63_i64 : i64
// CHECK-NEXT: %[[SIZE1:.*]] = arith.andi %[[A1]], %c-64_i64 : i64
// CHECK-NEXT: %[[OFF2:.*]] = arith.addi %[[SIZE0]], %[[SIZE1]] : i64
// CHECK-NEXT: %[[TOTAL:.*]] = arith.addi %[[OFF2]], %[[SIZE1]] : i64
// CHECK-NEXT: %[[PLAN:.*]] = arith.select %{{.*}}, %c-1_i64, %[[TOTAL]] : i64
// Symbols outside [1, 2^31 - 1] cannot be planned either.
// CHECK-NEXT: %[[LOW:.*]] = arith.cmpi slt, %arg0, %c1_i64 : i64
// CHECK-NEXT: arith.select %[[LOW]], %c-1_i64, %[[PLAN]] : i64
// CHECK:      return

// CHECK-LABEL: func.func @small_forward(%arg0: !llvm.ptr, %arg1: i64, %arg2: i64, %arg3: !llvm.ptr, %arg4: !llvm.ptr, %arg5: !llvm.ptr) -> i32
// CHECK:      %[[MODEL:.*]] = llvm.mlir.addressof @small__model : !llvm.ptr
// CHECK:      %[[BYTES:.*]] = call @small_forward_arena_bytes(%arg1, %arg2)
// CHECK-NEXT: %[[ST:.*]] = call @dlc_rt_begin_call(%[[MODEL]], %arg0, %c0_i64, %{{.*}}, %{{.*}}, %[[BYTES]])
// CHECK-NEXT: %[[BAD:.*]] = arith.cmpi ne, %[[ST]], %c0_i32 : i32
// CHECK-NEXT: cf.cond_br %[[BAD]], ^[[EARLY:bb[0-9]+]](%[[ST]] : i32), ^bb1
// CHECK:      %[[PARAMS:.*]] = call @dlc_rt_params(%arg0)
// CHECK-NEXT: %[[ARENA:.*]] = call @dlc_rt_arena(%arg0)
// CHECK:      %[[ROWS:.*]] = arith.divsi %{{.*}}, %c4_i64 : i64
// CHECK:      %[[SIZE0:.*]] = arith.andi %{{.*}}, %c-64_i64 : i64
// CHECK:      %[[SIZE1:.*]] = arith.andi %{{.*}}, %c-64_i64 : i64
// CHECK-NEXT: %[[OFF2:.*]] = arith.addi %[[SIZE0]], %[[SIZE1]] : i64

// The add needs its operands' rows equal: 2 * batch against rows.
// CHECK-NEXT: %[[NE:.*]] = arith.cmpi ne, %[[ROWS]], %arg2 : i64
// CHECK-NEXT: cf.cond_br %[[NE]], ^bb2, ^bb3
// CHECK:      %[[DIFF:.*]] = call @dlc_rt_dims_differ(%[[MODEL]], %arg0, %c0_i64, %{{.*}}, %[[ROWS]], %arg2)
// CHECK-NEXT: cf.br ^[[EARLY]](%[[DIFF]] : i32)
// The embedding's indices (ids, 32 bits) in [0, 10).
// CHECK:      %[[IDX:.*]] = call @dlc_rt_check_indices(%[[MODEL]], %arg0, %c0_i64, %{{.*}}, %{{.*}}, %arg4, %{{.*}}, %c1_i64, %c32_i32, %c0_i64, %c10_i64)
// CHECK:      cf.cond_br %{{.*}}, ^[[EARLY]](%[[IDX]] : i32), ^bb4

// relu: reads x (through the reshape), writes slot 0.
// CHECK:      llvm.store %arg3,
// CHECK:      llvm.store %[[ARENA]],
// CHECK:      %[[RC0:.*]] = call @small_forward_k0(
// CHECK-NEXT: %[[BAD0:.*]] = arith.cmpi ne, %[[RC0]], %c0_i32 : i32
// CHECK-NEXT: cf.cond_br %[[BAD0]], ^[[ERR:bb[0-9]+]](%[[RC0]], %c0_i64 : i32, i64), ^bb5
// exp: slot 0 to slot 1.
// CHECK:      llvm.store %[[ARENA]],
// CHECK:      %[[SLOT1:.*]] = llvm.getelementptr %[[ARENA]][%[[SIZE0]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK:      llvm.store %[[SLOT1]],
// CHECK:      call @small_forward_k1(
// CHECK:      cf.cond_br %{{.*}}, ^[[ERR]](%{{.*}}, %c1_i64 : i32, i64), ^bb6
// mul: slots 0 and 1 to slot 2.
// CHECK:      %[[SLOT2:.*]] = llvm.getelementptr %[[ARENA]][%[[OFF2]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK:      llvm.store %[[SLOT2]],
// CHECK:      call @small_forward_k2(
// CHECK:      cf.cond_br %{{.*}}, ^[[ERR]](%{{.*}}, %c2_i64 : i32, i64), ^bb7
// embedding: the parameter store and ids to slot 0 (relu is dead).
// CHECK:      llvm.store %[[PARAMS]],
// CHECK:      llvm.store %arg4,
// CHECK:      llvm.store %[[ARENA]],
// CHECK:      call @small_forward_k3(
// CHECK:      cf.cond_br %{{.*}}, ^[[ERR]](%{{.*}}, %c3_i64 : i32, i64), ^bb8
// add: slots 2 and 0 to the caller's y.
// CHECK:      llvm.store %[[SLOT2]],
// CHECK:      llvm.store %[[ARENA]],
// CHECK:      llvm.store %arg5,
// CHECK:      call @small_forward_k4(
// CHECK:      cf.cond_br %{{.*}}, ^[[ERR]](%{{.*}}, %c4_i64 : i32, i64), ^bb9
// CHECK:      return %c0_i32 : i32
// A failed kernel goes through dlc_rt_end_call, which names it; a failed
// check returns its status as it is.
// CHECK:      ^[[ERR]](%[[RC:.*]]: i32, %[[K:.*]]: i64):
// CHECK-NEXT: %[[END:.*]] = call @dlc_rt_end_call(%[[MODEL]], %arg0, %c0_i64, %[[RC]], %[[K]])
// CHECK-NEXT: return %[[END]] : i32
// CHECK:      ^[[EARLY]](%[[S:.*]]: i32):
// CHECK-NEXT: return %[[S]] : i32

// The checks' messages, then the descriptor.
// CHECK: @small__str0("dl.add at {{.*}}host-output.mlir:{{[0-9]+}}:{{[0-9]+}} needs dim 0 of operand 0 and dim 0 of operand 1 to be equal\00")
// CHECK: @small__str1("ids\00")
// CHECK: @small__str2("dl.embedding at {{.*}}host-output.mlir:{{[0-9]+}}:{{[0-9]+}}\00")
// CHECK: @small__str3("table\00")
// CHECK: @small__dims0(dense<[10, 4]> : tensor<2xi64>)
// One parameter: name, dims, rank 2, 40 elements at offset 0, normal
// (initializer 3), trainable, fans 4 and 10, mean 0 and stddev 0.05.
// CHECK-LABEL: llvm.mlir.global internal constant @small__params()
// CHECK-DAG:  %[[P0:.*]] = llvm.mlir.addressof @small__str3
// CHECK-DAG:  %[[P1:.*]] = llvm.mlir.addressof @small__dims0
// CHECK-DAG:  %[[RANK:.*]] = llvm.mlir.constant(2 : i64)
// CHECK-DAG:  %[[NUMEL:.*]] = llvm.mlir.constant(40 : i64)
// CHECK-DAG:  %[[INIT:.*]] = llvm.mlir.constant(3 : i64)
// CHECK-DAG:  %[[STD:.*]] = llvm.mlir.constant(5.000000e-02 : f64)
// CHECK:      llvm.insertvalue %[[P0]], %{{.*}}[0]
// CHECK-NEXT: llvm.insertvalue %[[P1]], %{{.*}}[1]
// CHECK-NEXT: llvm.insertvalue %[[RANK]], %{{.*}}[2]
// CHECK-NEXT: llvm.insertvalue %[[NUMEL]], %{{.*}}[3]
// CHECK-NEXT: llvm.insertvalue %{{.*}}, %{{.*}}[4]
// CHECK-NEXT: llvm.insertvalue %[[INIT]], %{{.*}}[5]
// CHECK:      llvm.insertvalue %[[STD]], %{{.*}}[10]
// CHECK: @small__str4("small_forward\00")
// CHECK: @small__syms0()
// CHECK: @small__args0()
// CHECK: @small__str10("dl.relu (group relu_0) at {{.*}}host-output.mlir:{{[0-9]+}}:{{[0-9]+}}\00")
// CHECK: @small__kernels0()
// CHECK-LABEL: @small__entries()
// CHECK-DAG:  llvm.mlir.addressof @small__str4
// CHECK-DAG:  llvm.mlir.addressof @small__syms0
// CHECK-DAG:  llvm.mlir.addressof @small__args0
// CHECK-DAG:  llvm.mlir.addressof @small__kernels0
// CHECK-DAG:  llvm.mlir.constant(5 : i64)
// 48 elements in the parameter store (40 rounded up to 16).
// CHECK-LABEL: @small__model()
// CHECK-DAG:  llvm.mlir.addressof @small__params
// CHECK-DAG:  llvm.mlir.constant(48 : i64)
// CHECK-DAG:  llvm.mlir.addressof @small__entries

// The C wrappers pass the descriptor to the runtime.
// CHECK-LABEL: func.func @small_create(%arg0: !llvm.ptr, %arg1: i64) -> i32
// CHECK-NEXT: %[[D:.*]] = llvm.mlir.addressof @small__model
// CHECK-NEXT: call @dlc_rt_create(%[[D]], %arg0, %arg1)
