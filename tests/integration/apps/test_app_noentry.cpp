// A shared object that is not an mpmd application: no entry symbols.
extern "C" __attribute__((visibility("default"))) int not_an_application() {
  return 42;
}
