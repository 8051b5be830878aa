dato.region @r() {
  dato.stream @s : !dato.stream<i32, 2>
  dato.task @t grid [1] () {
    %x = arith.constant 1.0 : f32
    dato.put @s, %x : f32
  }
}
