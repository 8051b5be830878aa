dato.region @r() {
  dato.frobnicate
}
