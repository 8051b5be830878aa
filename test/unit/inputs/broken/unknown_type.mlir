%0 = "test.op"() : () -> !dato.nostream<i32>
