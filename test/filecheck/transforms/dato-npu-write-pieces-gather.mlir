// RUN: dato-opt %s --split-input-file -p 'dato-npu-write-pieces{whole_bytes=0}' | filecheck %s

// Case 1: `b[:, :] = dato.gather(pipe)` (gather_whole(int32, 2, 8)): the
// collector fills a local row by row and copies it whole into b. The local
// becomes b (its rows are written straight into the output, the whole copy
// goes), so the rows are pieces as those of `b[p, :] = pipe[p].get()`:
// one task per row, each taking its 1x8 box of B.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @dst of @dst grid [1] (%B : memref<2x8xi32>) ports [] instances [
// CHECK-NEXT:    @dst_0 pid [0] offsets {{\[}}[0, 0]] streams []
// CHECK-NEXT:  ] attributes {dato.split_from = "dst_0", dato.compiler_chosen} {
// CHECK-NEXT:  ^bb0(%b: memref<1x8xi32>):
// CHECK-NEXT:    %[[G0:.*]] = dato.get @pipe_0 : memref<8xi32>
// CHECK-NEXT:    %[[V0:.*]] = memref.subview %b[0, 0] [1, 8] [1, 1]
// CHECK-NEXT:    "memref.copy"(%[[G0]], %[[V0]])
// CHECK-NEXT:  }
// CHECK:       dato.group @dst_piece1 of @dst_piece1 grid [1] (%B : memref<2x8xi32>) ports [] instances [
// CHECK-NEXT:    @dst_piece1_0 pid [0] offsets {{\[}}[1, 0]] streams []
// CHECK-NEXT:  ] attributes {dato.split_from = "dst_0", dato.compiler_chosen} {
// CHECK-NEXT:  ^bb0(%b: memref<1x8xi32>):
// CHECK-NEXT:    %[[G1:.*]] = dato.get @pipe_1 : memref<8xi32>
// CHECK-NEXT:    %[[V1:.*]] = memref.subview %b[0, 0] [1, 8] [1, 1]
// CHECK-NEXT:    "memref.copy"(%[[G1]], %[[V1]])
// CHECK-NEXT:  }
// CHECK-NOT:   memref.alloc
dato.region @top(%A: memref<2x8xi32>, %B: memref<2x8xi32>) {
  dato.stream @pipe_0 : !dato.stream<memref<8xi32>, 2>
  dato.stream @pipe_1 : !dato.stream<memref<8xi32>, 2>
  dato.group @src of @src grid [2] (%A : memref<2x8xi32>) ports [@pipe_out] instances [
    @src_0 pid [0] offsets [[0, 0]] streams [@pipe_0],
    @src_1 pid [1] offsets [[0, 0]] streams [@pipe_1]
  ] {
  ^bb0(%a: memref<2x8xi32>):
    %pi = dato.pid : index
    %0 = memref.subview %a[%pi, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %1 = memref.alloc() : memref<8xi32>
    "memref.copy"(%0, %1) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
    dato.put @pipe_out, %1 : memref<8xi32>
  }
  dato.group @dst of @dst grid [1] (%B : memref<2x8xi32>) ports [] instances [
    @dst_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%b: memref<2x8xi32>):
    %0 = memref.alloc() : memref<2x8xi32>
    %1 = dato.get @pipe_0 : memref<8xi32>
    %2 = memref.subview %0[0, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1]>>
    "memref.copy"(%1, %2) : (memref<8xi32>, memref<8xi32, strided<[1]>>) -> ()
    %3 = dato.get @pipe_1 : memref<8xi32>
    %4 = memref.subview %0[1, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: 8>>
    "memref.copy"(%3, %4) : (memref<8xi32>, memref<8xi32, strided<[1], offset: 8>>) -> ()
    "memref.copy"(%0, %b) : (memref<2x8xi32>, memref<2x8xi32>) -> ()
  }
}

// -----

// Case 2: as case 1, but b's row 0 is read after the copy: b is not only
// written, so the local and the whole copy stay and nothing is cut.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @dst of @dst grid [1] (%B : memref<2x8xi32>) ports [] instances [
// CHECK-NEXT:    @dst_0 pid [0] offsets {{\[}}[0, 0]] streams []
// CHECK-NEXT:  ] {
// CHECK-NEXT:  ^bb0(%b: memref<2x8xi32>):
// CHECK-NEXT:    %[[L:.*]] = memref.alloc() : memref<2x8xi32>
// CHECK:         "memref.copy"(%[[L]], %b)
// CHECK:         memref.load %b
// CHECK-NOT:   dato.group @dst_piece1
dato.region @top(%A: memref<2x8xi32>, %B: memref<2x8xi32>) {
  dato.stream @pipe_0 : !dato.stream<memref<8xi32>, 2>
  dato.stream @pipe_1 : !dato.stream<memref<8xi32>, 2>
  dato.group @src of @src grid [2] (%A : memref<2x8xi32>) ports [@pipe_out] instances [
    @src_0 pid [0] offsets [[0, 0]] streams [@pipe_0],
    @src_1 pid [1] offsets [[0, 0]] streams [@pipe_1]
  ] {
  ^bb0(%a: memref<2x8xi32>):
    %pi = dato.pid : index
    %0 = memref.subview %a[%pi, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %1 = memref.alloc() : memref<8xi32>
    "memref.copy"(%0, %1) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
    dato.put @pipe_out, %1 : memref<8xi32>
  }
  dato.group @dst of @dst grid [1] (%B : memref<2x8xi32>) ports [] instances [
    @dst_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%b: memref<2x8xi32>):
    %0 = memref.alloc() : memref<2x8xi32>
    %1 = dato.get @pipe_0 : memref<8xi32>
    %2 = memref.subview %0[0, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1]>>
    "memref.copy"(%1, %2) : (memref<8xi32>, memref<8xi32, strided<[1]>>) -> ()
    %3 = dato.get @pipe_1 : memref<8xi32>
    %4 = memref.subview %0[1, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: 8>>
    "memref.copy"(%3, %4) : (memref<8xi32>, memref<8xi32, strided<[1], offset: 8>>) -> ()
    "memref.copy"(%0, %b) : (memref<2x8xi32>, memref<2x8xi32>) -> ()
    %c0 = arith.constant 0 : index
    %5 = memref.load %b[%c0, %c0] : memref<2x8xi32>
    memref.store %5, %b[%c0, %c0] : memref<2x8xi32>
  }
}

// -----

// Case 3: gather_uneven(int32, 3, 8) (the sources left out): source p sends
// p % 3 + 1 rows, the collector writes them at rows
// 6 * (p // 3) + (p % 3) * (p % 3 + 1) // 2 + t, computed with floordivsi,
// remsi, cmpi and select. Those are evaluated for the instance, so each
// source's rows are a box: rows [0, 1), [1, 3) and [3, 6), one task each,
// storing into rows of its box.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @dst of @dst grid [1] (%B : memref<6x8xi32>) ports [] instances [
// CHECK-NEXT:    @dst_0 pid [0] offsets {{\[}}[0, 0]] streams []
// CHECK:       ^bb0(%b: memref<1x8xi32>):
// CHECK:         dato.get @pipe_0
// CHECK-NOT:     dato.get
// CHECK:       dato.group @dst_piece1 of @dst_piece1 grid [1] (%B : memref<6x8xi32>) ports [] instances [
// CHECK-NEXT:    @dst_piece1_0 pid [0] offsets {{\[}}[1, 0]] streams []
// CHECK:       ^bb0(%b: memref<2x8xi32>):
// CHECK:         dato.get @pipe_1
// CHECK:         memref.subview %b[%{{.*}}, 0] [1, 8] [1, 1] : memref<2x8xi32>
// CHECK:         dato.get @pipe_1
// CHECK:         memref.subview %b[%{{.*}}, 0] [1, 8] [1, 1] : memref<2x8xi32>
// CHECK:       dato.group @dst_piece2 of @dst_piece2 grid [1] (%B : memref<6x8xi32>) ports [] instances [
// CHECK-NEXT:    @dst_piece2_0 pid [0] offsets {{\[}}[3, 0]] streams []
// CHECK:       ^bb0(%b: memref<3x8xi32>):
// CHECK-COUNT-3: dato.get @pipe_2
// CHECK-NOT:   dato.group
dato.region @top(%A: memref<6x8xi32>, %B: memref<6x8xi32>) {
  dato.stream @pipe_0 : !dato.stream<memref<8xi32>, 2>
  dato.stream @pipe_1 : !dato.stream<memref<8xi32>, 2>
  dato.stream @pipe_2 : !dato.stream<memref<8xi32>, 2>
  dato.group @dst of @dst grid [1] (%B : memref<6x8xi32>) ports [] instances [
    @dst_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%b: memref<6x8xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 3 : index
    %2 = arith.constant 1 : index
    %p = arith.constant 0 : index
    %t = arith.constant 0 : index
    %3 = dato.get @pipe_0 : memref<8xi32>
    %4 = arith.floordivsi %p, %1 : index
    %5 = arith.constant 6 : index
    %6 = arith.muli %5, %4 : index
    %7 = arith.remsi %p, %1 : index
    %8 = arith.cmpi slt, %7, %0 : index
    %9 = arith.addi %7, %1 : index
    %10 = arith.select %8, %9, %7 : index
    %11 = arith.remsi %p, %1 : index
    %12 = arith.cmpi slt, %11, %0 : index
    %13 = arith.addi %11, %1 : index
    %14 = arith.select %12, %13, %11 : index
    %15 = arith.addi %14, %2 : index
    %16 = arith.muli %10, %15 : index
    %17 = arith.constant 2 : index
    %18 = arith.floordivsi %16, %17 : index
    %19 = arith.addi %6, %18 : index
    %20 = arith.addi %19, %t : index
    %21 = memref.subview %b[%20, 0] [1, 8] [1, 1] : memref<6x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    "memref.copy"(%3, %21) : (memref<8xi32>, memref<8xi32, strided<[1], offset: ?>>) -> ()
    %p_1 = arith.constant 1 : index
    %t_1 = arith.constant 0 : index
    %22 = dato.get @pipe_1 : memref<8xi32>
    %23 = arith.floordivsi %p_1, %1 : index
    %24 = arith.constant 6 : index
    %25 = arith.muli %24, %23 : index
    %26 = arith.remsi %p_1, %1 : index
    %27 = arith.cmpi slt, %26, %0 : index
    %28 = arith.addi %26, %1 : index
    %29 = arith.select %27, %28, %26 : index
    %30 = arith.remsi %p_1, %1 : index
    %31 = arith.cmpi slt, %30, %0 : index
    %32 = arith.addi %30, %1 : index
    %33 = arith.select %31, %32, %30 : index
    %34 = arith.addi %33, %2 : index
    %35 = arith.muli %29, %34 : index
    %36 = arith.constant 2 : index
    %37 = arith.floordivsi %35, %36 : index
    %38 = arith.addi %25, %37 : index
    %39 = arith.addi %38, %t_1 : index
    %40 = memref.subview %b[%39, 0] [1, 8] [1, 1] : memref<6x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    "memref.copy"(%22, %40) : (memref<8xi32>, memref<8xi32, strided<[1], offset: ?>>) -> ()
    %t_2 = arith.constant 1 : index
    %41 = dato.get @pipe_1 : memref<8xi32>
    %42 = arith.floordivsi %p_1, %1 : index
    %43 = arith.constant 6 : index
    %44 = arith.muli %43, %42 : index
    %45 = arith.remsi %p_1, %1 : index
    %46 = arith.cmpi slt, %45, %0 : index
    %47 = arith.addi %45, %1 : index
    %48 = arith.select %46, %47, %45 : index
    %49 = arith.remsi %p_1, %1 : index
    %50 = arith.cmpi slt, %49, %0 : index
    %51 = arith.addi %49, %1 : index
    %52 = arith.select %50, %51, %49 : index
    %53 = arith.addi %52, %2 : index
    %54 = arith.muli %48, %53 : index
    %55 = arith.constant 2 : index
    %56 = arith.floordivsi %54, %55 : index
    %57 = arith.addi %44, %56 : index
    %58 = arith.addi %57, %t_2 : index
    %59 = memref.subview %b[%58, 0] [1, 8] [1, 1] : memref<6x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    "memref.copy"(%41, %59) : (memref<8xi32>, memref<8xi32, strided<[1], offset: ?>>) -> ()
    %p_2 = arith.constant 2 : index
    %t_3 = arith.constant 0 : index
    %60 = dato.get @pipe_2 : memref<8xi32>
    %61 = arith.floordivsi %p_2, %1 : index
    %62 = arith.constant 6 : index
    %63 = arith.muli %62, %61 : index
    %64 = arith.remsi %p_2, %1 : index
    %65 = arith.cmpi slt, %64, %0 : index
    %66 = arith.addi %64, %1 : index
    %67 = arith.select %65, %66, %64 : index
    %68 = arith.remsi %p_2, %1 : index
    %69 = arith.cmpi slt, %68, %0 : index
    %70 = arith.addi %68, %1 : index
    %71 = arith.select %69, %70, %68 : index
    %72 = arith.addi %71, %2 : index
    %73 = arith.muli %67, %72 : index
    %74 = arith.constant 2 : index
    %75 = arith.floordivsi %73, %74 : index
    %76 = arith.addi %63, %75 : index
    %77 = arith.addi %76, %t_3 : index
    %78 = memref.subview %b[%77, 0] [1, 8] [1, 1] : memref<6x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    "memref.copy"(%60, %78) : (memref<8xi32>, memref<8xi32, strided<[1], offset: ?>>) -> ()
    %t_4 = arith.constant 1 : index
    %79 = dato.get @pipe_2 : memref<8xi32>
    %80 = arith.floordivsi %p_2, %1 : index
    %81 = arith.constant 6 : index
    %82 = arith.muli %81, %80 : index
    %83 = arith.remsi %p_2, %1 : index
    %84 = arith.cmpi slt, %83, %0 : index
    %85 = arith.addi %83, %1 : index
    %86 = arith.select %84, %85, %83 : index
    %87 = arith.remsi %p_2, %1 : index
    %88 = arith.cmpi slt, %87, %0 : index
    %89 = arith.addi %87, %1 : index
    %90 = arith.select %88, %89, %87 : index
    %91 = arith.addi %90, %2 : index
    %92 = arith.muli %86, %91 : index
    %93 = arith.constant 2 : index
    %94 = arith.floordivsi %92, %93 : index
    %95 = arith.addi %82, %94 : index
    %96 = arith.addi %95, %t_4 : index
    %97 = memref.subview %b[%96, 0] [1, 8] [1, 1] : memref<6x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    "memref.copy"(%79, %97) : (memref<8xi32>, memref<8xi32, strided<[1], offset: ?>>) -> ()
    %t_5 = arith.constant 2 : index
    %98 = dato.get @pipe_2 : memref<8xi32>
    %99 = arith.floordivsi %p_2, %1 : index
    %100 = arith.constant 6 : index
    %101 = arith.muli %100, %99 : index
    %102 = arith.remsi %p_2, %1 : index
    %103 = arith.cmpi slt, %102, %0 : index
    %104 = arith.addi %102, %1 : index
    %105 = arith.select %103, %104, %102 : index
    %106 = arith.remsi %p_2, %1 : index
    %107 = arith.cmpi slt, %106, %0 : index
    %108 = arith.addi %106, %1 : index
    %109 = arith.select %107, %108, %106 : index
    %110 = arith.addi %109, %2 : index
    %111 = arith.muli %105, %110 : index
    %112 = arith.constant 2 : index
    %113 = arith.floordivsi %111, %112 : index
    %114 = arith.addi %101, %113 : index
    %115 = arith.addi %114, %t_5 : index
    %116 = memref.subview %b[%115, 0] [1, 8] [1, 1] : memref<6x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    "memref.copy"(%98, %116) : (memref<8xi32>, memref<8xi32, strided<[1], offset: ?>>) -> ()
  }
}
