"""Programs with one mistake each; `# ERR <name>` marks the line the error must name."""

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, float32, int8, int32

S = Layout.Shard
R = Layout.Replicate


@dato.region()
def wrong_arg_count(A: int32[8], B: int32[8]):
    @dato.kernel(mapping=[1], args=[A])  # ERR wrong_arg_count
    def k(a: int32[8], b: int32[8]):
        pass


@dato.region()
def non_constant_stream_index(A: int32[4]):
    pipes: Stream[int32, 2][4]

    @dato.kernel(mapping=[4], args=[A])
    def k(a: int32[4] @ [S(0)]):
        for i in range(4):
            pipes[i].put(a[0])  # ERR non_constant_stream_index


@dato.region()
def layout_not_dividing(A: int32[10, 4]):
    @dato.kernel(mapping=[4], args=[A])
    def k(a: int32[10, 4] @ [S(0), R]):  # ERR layout_not_dividing
        pass


@dato.region()
def unsupported_while(A: int32[4]):
    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[4]):
        i: int32 = 0
        while i < 4:  # ERR unsupported_while
            i += 1


@dato.region()
def undefined_name(A: int32[4]):
    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[4]):
        a[0] = bogus + 1  # ERR undefined_name


@dato.region()
def put_array_on_scalar_stream(A: int32[4]):
    pipe: Stream[int32, 2]

    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[4]):
        pipe.put(a)  # ERR put_array_on_scalar_stream


@dato.region()
def wrong_stream_index_count(A: int32[4]):
    pipes: Stream[int32, 2][2, 2]

    @dato.kernel(mapping=[2], args=[A])
    def k(a: int32[4]):
        p = dato.get_pid()
        pipes[p].put(a[0])  # ERR wrong_stream_index_count


@dato.region()
def matmul_shape_mismatch(A: float32[4, 8], B: float32[4, 8]):
    @dato.kernel(mapping=[1], args=[A, B])
    def k(a: float32[4, 8], b: float32[4, 8]):
        c = dato.matmul(a, b)  # ERR matmul_shape_mismatch


@dato.region()
def runtime_meta_if(A: int32[4]):
    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[4]):
        with dato.meta_if(a[0] > 0):  # ERR runtime_meta_if
            a[1] = 1


@dato.region()
def kernel_type_mismatch(A: int32[8]):
    @dato.kernel(mapping=[1], args=[A])
    def k(a: float32[8]):  # ERR kernel_type_mismatch
        pass


@dato.region()
def statement_in_region(A: int32[8]):
    print("hello")  # ERR statement_in_region

    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[8]):
        pass


@dato.region()
def layout_axis_beyond_mapping(A: int32[8, 8]):
    @dato.kernel(mapping=[2], args=[A])
    def k(a: int32[8, 8] @ [S(0), S(1)]):  # ERR layout_axis_beyond_mapping
        pass


@dato.region()
def stream_index_out_of_range(A: int32[4]):
    pipes: Stream[int32, 2][2]

    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[4]):
        pipes[2].put(a[0])  # ERR stream_index_out_of_range


@dato.region()
def constant_index_out_of_bounds(A: int32[4]):
    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[4]):
        a[4] = 1  # ERR constant_index_out_of_bounds


@dato.region()
def float_index(A: int32[4], B: float32[4]):
    @dato.kernel(mapping=[1], args=[A, B])
    def k(a: int32[4], b: float32[4]):
        a[b[0]] = 1  # ERR float_index


@dato.region()
def unknown_kernel_option(A: int32[4]):
    @dato.kernel(mapping=[1], args=[A], speed=3)  # ERR unknown_kernel_option
    def k(a: int32[4]):
        pass


@dato.region()
def return_value(A: int32[4]):
    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[4]):
        return a  # ERR return_value


@dato.region()
def not_a_region_param(A: int32[4]):
    @dato.kernel(mapping=[1], args=[Z])  # ERR not_a_region_param
    def k(a: int32[4]):
        pass


@dato.region()
def used_outside_loop(A: int32[4]):
    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[4]):
        for i in range(4):
            t = a[i] * 2
        a[0] = t  # ERR used_outside_loop


@dato.region()
def dynamic_slice_size(A: int32[8]):
    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[8]):
        for i in range(4):
            a[i : 2 * i] = 0  # ERR dynamic_slice_size


@dato.region()
def shard_axis_not_an_int(A: int32[4]):
    @dato.kernel(mapping=[2], args=[A])
    def k(a: int32[4] @ [S("x")]):  # ERR shard_axis_not_an_int
        pass


@dato.region()
def shard_axis_negative(A: int32[4]):
    @dato.kernel(mapping=[2], args=[A])
    def k(a: int32[4] @ [S(-1)]):  # ERR shard_axis_negative
        pass


@dato.region()
def fractional_extent(A: int8[2]):
    @dato.kernel(mapping=[1], args=[A])
    def k(a: int8[2.5]):  # ERR fractional_extent
        pass


@dato.region()
def zero_extent(A: float32[8, 1]):
    @dato.kernel(mapping=[1], args=[A])
    def k(a: float32[8, 0]):  # ERR zero_extent
        pass


@dato.region()
def one_axis_two_dims(C: int32[4, 4]):
    @dato.kernel(mapping=[2], args=[C])
    def k(c: int32[4, 4] @ [S(0), S(0)]):  # ERR one_axis_two_dims
        c[0, 0] = 1


@dato.region()
def meta_else_with_condition(A: int32[4]):
    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[4]):
        with dato.meta_if(1 > 0):
            a[0] = 1
        with dato.meta_else(1):  # ERR meta_else_with_condition
            a[0] = 2


@dato.region()
def huge_stream_depth(A: int32[4]):
    pipe: Stream[int32, 2**40]  # ERR huge_stream_depth

    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[4]):
        pipe.put(a[0])
        a[0] = pipe.get()


@dato.region()
def huge_stream_array(A: int32[4]):
    pipes: Stream[int32, 2][300, 300]  # ERR huge_stream_array

    @dato.kernel(mapping=[1], args=[A])
    def k(a: int32[4]):
        pipes[0, 0].put(a[0])
        a[0] = pipes[0, 0].get()


@dato.region()
def huge_mapping(A: int32[4]):
    @dato.kernel(mapping=[100000], args=[A])  # ERR huge_mapping
    def k(a: int32[4]):
        pass
