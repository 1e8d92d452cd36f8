#include "FuzzerEntry.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

// SwiftPM links an executable with `--defsym main=<Module>_main`, but under -parse-as-library (which
// libFuzzer needs, as it brings its own main) Swift emits no such symbol. It is defined here and
// hands control to libFuzzer's driver, which then calls the Swift LLVMFuzzerTestOneInput.
int ONNXFuzzer_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
