#include <stddef.h>
#include <stdint.h>

int ONNXFuzzer_main(int argc, char **argv);
int SafetensorsFuzzer_main(int argc, char **argv);
int ImageFuzzer_main(int argc, char **argv);
int GzipFuzzer_main(int argc, char **argv);
int IDXFuzzer_main(int argc, char **argv);
int CheckpointFuzzer_main(int argc, char **argv);
int ArchitectureFuzzer_main(int argc, char **argv);
