#include <stddef.h>
#include <stdint.h>

int ONNXFuzzer_main(int argc, char **argv);
