import Foundation

extension Dataset {
    /// The file extensions read as images (PNG, PPM/PGM, JPEG), lowercased.
    public static let imageFileExtensions: Set<String> = ["png", "ppm", "pgm", "pnm", "jpg", "jpeg"]

    /// The classes of an image folder: its subfolders, sorted by name (hidden ones skipped), as
    /// Keras's `image_dataset_from_directory` and torchvision's `ImageFolder` take them.
    public static func imageFolderClassNames(_ directory: URL) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SepCNNError.invalidFile("the image folder \(directory.path) does not exist or is not a folder")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let classes = entries.filter { name in
            var isFolder: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path, isDirectory: &isFolder)
                && isFolder.boolValue
        }.sorted()
        guard !classes.isEmpty else {
            throw SepCNNError.invalidFile("the image folder \(directory.path) has no class folders: put each class's images in a subfolder named for the class")
        }
        return classes
    }

    /// Labelled images from a folder with one subfolder per class (`DIR/cat/1.jpg`, `DIR/dog/2.png`):
    /// class names from the folder names, sorted; each image decoded (PNG, PPM/PGM, JPEG), made gray
    /// or RGB as `imageShape`'s channels say and resized straight to its height and width (bilinear,
    /// antialiased, as Keras does by default), in 0...1. Files within a class are read in name order
    /// (subfolders included); other files are skipped. Throws, naming it, for an empty class folder
    /// or a file that does not decode.
    public static func imageFolder(_ directory: URL, imageShape: [Int], maximumImages: Int = 1 << 22) throws -> Dataset {
        guard imageShape.count == 3, imageShape[0] > 0, imageShape[1] > 0, imageShape[0] <= Image.maximumSide,
              imageShape[1] <= Image.maximumSide, imageShape[2] == 1 || imageShape[2] == 3 else {
            throw SepCNNError.invalidArgument("an image folder is read at [height, width, 1 or 3 channels], not \(describe(imageShape))")
        }
        let classNames = try imageFolderClassNames(directory)
        var files: [(url: URL, label: Int)] = []
        for (label, name) in classNames.enumerated() {
            let folder = directory.appendingPathComponent(name)
            let images = imageFiles(in: folder)
            guard !images.isEmpty else {
                throw SepCNNError.invalidFile("the class folder \(folder.path) holds no images (PNG, PPM, PGM or JPEG files)")
            }
            files += images.map { ($0, label) }
        }
        let size = imageShape.reduce(1, *)
        guard files.count <= maximumImages, files.count * size <= 1 << 32 else {
            throw SepCNNError.invalidArgument("the image folder \(directory.path) holds \(files.count) images, too many to hold at \(describe(imageShape)) in memory")
        }
        let preprocessing = ImagePreprocessing(size: Size2D(imageShape[0], imageShape[1]), resizeShorterSide: nil, mean: [0], standardDeviation: [1])
        var images = Tensor(uncheckedShape: [files.count] + imageShape)
        for (index, file) in files.enumerated() {
            let image = try Image.read(contentsOf: file.url)
            let one = try preprocessing.tensor(from: [image], channels: imageShape[2])
            images.withMutablePointer { destination in
                one.withPointer { (destination + index * size).update(from: $0, count: size) }
            }
        }
        return try Dataset(images: images, labels: files.map(\.label), classNames: classNames)
    }

    /// Image files under `directory`, recursively, sorted by path; hidden files skipped.
    public static func imageFiles(in directory: URL) -> [URL] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles]) else { return [] }
        return walker.compactMap { $0 as? URL }
            .filter { imageFileExtensions.contains($0.pathExtension.lowercased()) }
            .sorted { $0.path < $1.path }
    }
}
