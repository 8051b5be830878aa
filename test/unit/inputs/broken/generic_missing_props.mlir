"dato.task"() : () -> ()
