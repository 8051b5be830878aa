// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// dato-physical-map's output for 128 elementwise lanes (8 x 256 int32 rows,
// 8 KiB blocks) on npu1_2col: the compiler chains 16 lanes per core on its
// 8 cores. Each column's memtile distributes A to its 4 cores and joins
// their B blocks. A join holding all 16 steps would need 4 x 16 x 8 KiB =
// 512 KiB beside the 32 KiB of the distribute, more than a memtile's 512 KiB.
// The cores run the same members' code in the same order and no stream joins
// two of them, so the join holds 2 steps (64 KiB): the cores fill one while
// the shim drains the other.
builtin.module {
  dato.region @top(%A: memref<1024x256xi32>, %B: memref<1024x256xi32>) attributes {dato.device = "npu1_2col"} {
    dato.group @t of @t grid [128] (%A : memref<1024x256xi32>, %B : memref<1024x256xi32>) ports [] instances [
      @t_0 pid [0] offsets [[0, 0], [0, 0]] streams [],
      @t_1 pid [1] offsets [[8, 0], [8, 0]] streams [],
      @t_2 pid [2] offsets [[16, 0], [16, 0]] streams [],
      @t_3 pid [3] offsets [[24, 0], [24, 0]] streams [],
      @t_4 pid [4] offsets [[32, 0], [32, 0]] streams [],
      @t_5 pid [5] offsets [[40, 0], [40, 0]] streams [],
      @t_6 pid [6] offsets [[48, 0], [48, 0]] streams [],
      @t_7 pid [7] offsets [[56, 0], [56, 0]] streams [],
      @t_8 pid [8] offsets [[64, 0], [64, 0]] streams [],
      @t_9 pid [9] offsets [[72, 0], [72, 0]] streams [],
      @t_10 pid [10] offsets [[80, 0], [80, 0]] streams [],
      @t_11 pid [11] offsets [[88, 0], [88, 0]] streams [],
      @t_12 pid [12] offsets [[96, 0], [96, 0]] streams [],
      @t_13 pid [13] offsets [[104, 0], [104, 0]] streams [],
      @t_14 pid [14] offsets [[112, 0], [112, 0]] streams [],
      @t_15 pid [15] offsets [[120, 0], [120, 0]] streams [],
      @t_16 pid [16] offsets [[128, 0], [128, 0]] streams [],
      @t_17 pid [17] offsets [[136, 0], [136, 0]] streams [],
      @t_18 pid [18] offsets [[144, 0], [144, 0]] streams [],
      @t_19 pid [19] offsets [[152, 0], [152, 0]] streams [],
      @t_20 pid [20] offsets [[160, 0], [160, 0]] streams [],
      @t_21 pid [21] offsets [[168, 0], [168, 0]] streams [],
      @t_22 pid [22] offsets [[176, 0], [176, 0]] streams [],
      @t_23 pid [23] offsets [[184, 0], [184, 0]] streams [],
      @t_24 pid [24] offsets [[192, 0], [192, 0]] streams [],
      @t_25 pid [25] offsets [[200, 0], [200, 0]] streams [],
      @t_26 pid [26] offsets [[208, 0], [208, 0]] streams [],
      @t_27 pid [27] offsets [[216, 0], [216, 0]] streams [],
      @t_28 pid [28] offsets [[224, 0], [224, 0]] streams [],
      @t_29 pid [29] offsets [[232, 0], [232, 0]] streams [],
      @t_30 pid [30] offsets [[240, 0], [240, 0]] streams [],
      @t_31 pid [31] offsets [[248, 0], [248, 0]] streams [],
      @t_32 pid [32] offsets [[256, 0], [256, 0]] streams [],
      @t_33 pid [33] offsets [[264, 0], [264, 0]] streams [],
      @t_34 pid [34] offsets [[272, 0], [272, 0]] streams [],
      @t_35 pid [35] offsets [[280, 0], [280, 0]] streams [],
      @t_36 pid [36] offsets [[288, 0], [288, 0]] streams [],
      @t_37 pid [37] offsets [[296, 0], [296, 0]] streams [],
      @t_38 pid [38] offsets [[304, 0], [304, 0]] streams [],
      @t_39 pid [39] offsets [[312, 0], [312, 0]] streams [],
      @t_40 pid [40] offsets [[320, 0], [320, 0]] streams [],
      @t_41 pid [41] offsets [[328, 0], [328, 0]] streams [],
      @t_42 pid [42] offsets [[336, 0], [336, 0]] streams [],
      @t_43 pid [43] offsets [[344, 0], [344, 0]] streams [],
      @t_44 pid [44] offsets [[352, 0], [352, 0]] streams [],
      @t_45 pid [45] offsets [[360, 0], [360, 0]] streams [],
      @t_46 pid [46] offsets [[368, 0], [368, 0]] streams [],
      @t_47 pid [47] offsets [[376, 0], [376, 0]] streams [],
      @t_48 pid [48] offsets [[384, 0], [384, 0]] streams [],
      @t_49 pid [49] offsets [[392, 0], [392, 0]] streams [],
      @t_50 pid [50] offsets [[400, 0], [400, 0]] streams [],
      @t_51 pid [51] offsets [[408, 0], [408, 0]] streams [],
      @t_52 pid [52] offsets [[416, 0], [416, 0]] streams [],
      @t_53 pid [53] offsets [[424, 0], [424, 0]] streams [],
      @t_54 pid [54] offsets [[432, 0], [432, 0]] streams [],
      @t_55 pid [55] offsets [[440, 0], [440, 0]] streams [],
      @t_56 pid [56] offsets [[448, 0], [448, 0]] streams [],
      @t_57 pid [57] offsets [[456, 0], [456, 0]] streams [],
      @t_58 pid [58] offsets [[464, 0], [464, 0]] streams [],
      @t_59 pid [59] offsets [[472, 0], [472, 0]] streams [],
      @t_60 pid [60] offsets [[480, 0], [480, 0]] streams [],
      @t_61 pid [61] offsets [[488, 0], [488, 0]] streams [],
      @t_62 pid [62] offsets [[496, 0], [496, 0]] streams [],
      @t_63 pid [63] offsets [[504, 0], [504, 0]] streams [],
      @t_64 pid [64] offsets [[512, 0], [512, 0]] streams [],
      @t_65 pid [65] offsets [[520, 0], [520, 0]] streams [],
      @t_66 pid [66] offsets [[528, 0], [528, 0]] streams [],
      @t_67 pid [67] offsets [[536, 0], [536, 0]] streams [],
      @t_68 pid [68] offsets [[544, 0], [544, 0]] streams [],
      @t_69 pid [69] offsets [[552, 0], [552, 0]] streams [],
      @t_70 pid [70] offsets [[560, 0], [560, 0]] streams [],
      @t_71 pid [71] offsets [[568, 0], [568, 0]] streams [],
      @t_72 pid [72] offsets [[576, 0], [576, 0]] streams [],
      @t_73 pid [73] offsets [[584, 0], [584, 0]] streams [],
      @t_74 pid [74] offsets [[592, 0], [592, 0]] streams [],
      @t_75 pid [75] offsets [[600, 0], [600, 0]] streams [],
      @t_76 pid [76] offsets [[608, 0], [608, 0]] streams [],
      @t_77 pid [77] offsets [[616, 0], [616, 0]] streams [],
      @t_78 pid [78] offsets [[624, 0], [624, 0]] streams [],
      @t_79 pid [79] offsets [[632, 0], [632, 0]] streams [],
      @t_80 pid [80] offsets [[640, 0], [640, 0]] streams [],
      @t_81 pid [81] offsets [[648, 0], [648, 0]] streams [],
      @t_82 pid [82] offsets [[656, 0], [656, 0]] streams [],
      @t_83 pid [83] offsets [[664, 0], [664, 0]] streams [],
      @t_84 pid [84] offsets [[672, 0], [672, 0]] streams [],
      @t_85 pid [85] offsets [[680, 0], [680, 0]] streams [],
      @t_86 pid [86] offsets [[688, 0], [688, 0]] streams [],
      @t_87 pid [87] offsets [[696, 0], [696, 0]] streams [],
      @t_88 pid [88] offsets [[704, 0], [704, 0]] streams [],
      @t_89 pid [89] offsets [[712, 0], [712, 0]] streams [],
      @t_90 pid [90] offsets [[720, 0], [720, 0]] streams [],
      @t_91 pid [91] offsets [[728, 0], [728, 0]] streams [],
      @t_92 pid [92] offsets [[736, 0], [736, 0]] streams [],
      @t_93 pid [93] offsets [[744, 0], [744, 0]] streams [],
      @t_94 pid [94] offsets [[752, 0], [752, 0]] streams [],
      @t_95 pid [95] offsets [[760, 0], [760, 0]] streams [],
      @t_96 pid [96] offsets [[768, 0], [768, 0]] streams [],
      @t_97 pid [97] offsets [[776, 0], [776, 0]] streams [],
      @t_98 pid [98] offsets [[784, 0], [784, 0]] streams [],
      @t_99 pid [99] offsets [[792, 0], [792, 0]] streams [],
      @t_100 pid [100] offsets [[800, 0], [800, 0]] streams [],
      @t_101 pid [101] offsets [[808, 0], [808, 0]] streams [],
      @t_102 pid [102] offsets [[816, 0], [816, 0]] streams [],
      @t_103 pid [103] offsets [[824, 0], [824, 0]] streams [],
      @t_104 pid [104] offsets [[832, 0], [832, 0]] streams [],
      @t_105 pid [105] offsets [[840, 0], [840, 0]] streams [],
      @t_106 pid [106] offsets [[848, 0], [848, 0]] streams [],
      @t_107 pid [107] offsets [[856, 0], [856, 0]] streams [],
      @t_108 pid [108] offsets [[864, 0], [864, 0]] streams [],
      @t_109 pid [109] offsets [[872, 0], [872, 0]] streams [],
      @t_110 pid [110] offsets [[880, 0], [880, 0]] streams [],
      @t_111 pid [111] offsets [[888, 0], [888, 0]] streams [],
      @t_112 pid [112] offsets [[896, 0], [896, 0]] streams [],
      @t_113 pid [113] offsets [[904, 0], [904, 0]] streams [],
      @t_114 pid [114] offsets [[912, 0], [912, 0]] streams [],
      @t_115 pid [115] offsets [[920, 0], [920, 0]] streams [],
      @t_116 pid [116] offsets [[928, 0], [928, 0]] streams [],
      @t_117 pid [117] offsets [[936, 0], [936, 0]] streams [],
      @t_118 pid [118] offsets [[944, 0], [944, 0]] streams [],
      @t_119 pid [119] offsets [[952, 0], [952, 0]] streams [],
      @t_120 pid [120] offsets [[960, 0], [960, 0]] streams [],
      @t_121 pid [121] offsets [[968, 0], [968, 0]] streams [],
      @t_122 pid [122] offsets [[976, 0], [976, 0]] streams [],
      @t_123 pid [123] offsets [[984, 0], [984, 0]] streams [],
      @t_124 pid [124] offsets [[992, 0], [992, 0]] streams [],
      @t_125 pid [125] offsets [[1000, 0], [1000, 0]] streams [],
      @t_126 pid [126] offsets [[1008, 0], [1008, 0]] streams [],
      @t_127 pid [127] offsets [[1016, 0], [1016, 0]] streams []
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 5, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2>} {
    ^bb0(%a: memref<8x256xi32>, %b: memref<8x256xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 8 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        %3 = arith.constant 256 : index
        scf.for %j = %0 to %3 step %2 {
          %4 = memref.load %a[%i, %j] : memref<8x256xi32>
          %5 = arith.constant 3 : i32
          %6 = arith.muli %4, %5 : i32
          %7 = arith.constant 7 : i32
          %8 = arith.subi %6, %7 : i32
          memref.store %8, %b[%i, %j] : memref<8x256xi32>
        }
      }
    }
    dato.chain [@t_0, @t_1, @t_2, @t_3, @t_4, @t_5, @t_6, @t_7, @t_8, @t_9, @t_10, @t_11, @t_12, @t_13, @t_14, @t_15] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@t_16, @t_17, @t_18, @t_19, @t_20, @t_21, @t_22, @t_23, @t_24, @t_25, @t_26, @t_27, @t_28, @t_29, @t_30, @t_31] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@t_32, @t_33, @t_34, @t_35, @t_36, @t_37, @t_38, @t_39, @t_40, @t_41, @t_42, @t_43, @t_44, @t_45, @t_46, @t_47] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@t_48, @t_49, @t_50, @t_51, @t_52, @t_53, @t_54, @t_55, @t_56, @t_57, @t_58, @t_59, @t_60, @t_61, @t_62, @t_63] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@t_64, @t_65, @t_66, @t_67, @t_68, @t_69, @t_70, @t_71, @t_72, @t_73, @t_74, @t_75, @t_76, @t_77, @t_78, @t_79] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@t_80, @t_81, @t_82, @t_83, @t_84, @t_85, @t_86, @t_87, @t_88, @t_89, @t_90, @t_91, @t_92, @t_93, @t_94, @t_95] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@t_96, @t_97, @t_98, @t_99, @t_100, @t_101, @t_102, @t_103, @t_104, @t_105, @t_106, @t_107, @t_108, @t_109, @t_110, @t_111] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
    dato.chain [@t_112, @t_113, @t_114, @t_115, @t_116, @t_117, @t_118, @t_119, @t_120, @t_121, @t_122, @t_123, @t_124, @t_125, @t_126, @t_127] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
  }
}


// CHECK-LABEL: aie.device(npu1_2col) {
// CHECK:      aie.objectfifo @A_in0(%shim_c0, {%mem_c0}, 1 : i32) {dato.host_arg = 0 : i64
// CHECK-SAME: !aie.objectfifo<memref<8192xi32>>
// CHECK-NEXT: aie.objectfifo.link [@A_in0] -> [@A_in0_0, @A_in0_1, @A_in0_2, @A_in0_3]([] [0, 2048, 4096, 6144])
// CHECK:      aie.objectfifo @A_in1(%shim_c1, {%mem_c1}, 1 : i32) {dato.host_arg = 0 : i64
// CHECK:      aie.objectfifo @B_out0_0(%core_c0_r2, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<8x256xi32>>
// CHECK:      aie.objectfifo @B_out0(%mem_c0, {%shim_c0}, 2 : i32) {dato.host_arg = 1 : i64
// CHECK-SAME: !aie.objectfifo<memref<8192xi32>>
// CHECK-NEXT: aie.objectfifo.link [@B_out0_0, @B_out0_1, @B_out0_2, @B_out0_3] -> [@B_out0]([0, 2048, 4096, 6144] [])
// CHECK:      aie.objectfifo @B_out1(%mem_c1, {%shim_c1}, 2 : i32) {dato.host_arg = 1 : i64
// CHECK-SAME: !aie.objectfifo<memref<8192xi32>>
