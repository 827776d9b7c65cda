;; A module whose wasm start function never returns: it runs while the module is instantiated,
;; inside `create`, before any _start. The runtime must bound it and leave nothing behind.
(module
  (memory (export "memory") 1)
  (func $forever (loop $again (br $again)))
  (start $forever)
  (func (export "_start")))
