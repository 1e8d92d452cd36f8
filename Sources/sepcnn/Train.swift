import ArgumentParser
import Foundation
import SepCNN

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on a dataset with cross-entropy, validating after every epoch.",
        usage: "sepcnn train --model <model> [<options>]\n       sepcnn train --resume <checkpoint> [--epochs <n>]",
        discussion: """
            Each epoch is checked on --validation-split of the training images (10 % by default, \
            chosen by --seed); the test split is read only by 'sepcnn eval', or by --test here, \
            reported apart and never used for a choice. The model is saved as a .safetensors \
            file that PyTorch can load and that every sepcnn command takes as a model (without \
            --output, to MODEL.safetensors in the current folder; the name is printed).

            A checkpoint holding the whole run (model, optimizer, progress, data, settings, \
            destinations) is written atomically after every epoch, every --checkpoint-every \
            batches, and on Ctrl-C or SIGTERM, which finish the batch under way, save, print the \
            command that resumes and exit with 130 or 143; a second Ctrl-C quits at once. \
            --resume CHECKPOINT alone continues the run exactly as if never stopped; a larger \
            --epochs extends it; an option that contradicts the recorded run is an error.

            Fine-tuning: --model also takes a model file, checkpoint or ONNX file. --classes N \
            puts a fresh classifier of N outputs in place of the last Dense (Gemm) layer, \
            --freeze-backbone trains only that classifier, and images of another size (or gray \
            images for a colour model) are resized batch by batch. Your own images: --dataset \
            folder --data DIR, one subfolder of PNG, PPM or JPEG files per class. The model file \
            records the class names (the dataset's, the folders', or --labels FILE's: one name per \
            line in class order, as Keras's labels.txt), and 'sepcnn predict' prints them.

              sepcnn train --model fashion-sepcnn --epochs 3 --output fashion.safetensors
              sepcnn train --resume fashion.checkpoint.safetensors --epochs 5
              sepcnn train --model mobilenet-v2 --dataset folder --data photos --epochs 5
              sepcnn train --model fashion-sepcnn --labels labels.txt --epochs 5
            """)

    @Option(help: "A built-in model (its resolution and classes default to the dataset's), or a model file, checkpoint or ONNX file to fine-tune.")
    var model: String?

    @OptionGroup var options: TrainingRunOptions

    func validate() throws {
        if model == nil && options.resume == nil { throw ValidationError("give --model NAME (or --resume CHECKPOINT)") }
    }

    func run() throws {
        try options.runTraining(TrainingCommand(name: "train", modelFlag: "--model", model: model))
    }
}
