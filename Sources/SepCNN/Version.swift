/// The version of SepCNN, the library and its `sepcnn` tool (`sepcnn --version`). Defined here once.
public let sepCNNVersion = "0.1.0"
