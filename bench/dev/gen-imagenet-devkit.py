#!/usr/bin/env python3
"""Dev-only: regenerate test/fixtures/imagenet/ (MAT-files for the flat ILSVRC2012 layout's tests).

  ILSVRC2012_devkit_t12/data/meta.mat   a stand-in for the ILSVRC2012 devkit's meta.mat: the struct array
      `synsets` with the devkit's fields (ILSVRC2012_ID, WNID, words, gloss, num_children, children,
      wordnet_height, num_train_images), 1,000 leaf synsets with ILSVRC2012_ID 1..1000 plus 3 inner synsets
      (ILSVRC2012_ID 1001..1003, num_children > 0), written compressed (miCOMPRESSED) like a MATLAB -v7 save.
      The ids are the real 1,000 synset ids; their ILSVRC2012_ID order is NOT sorted-wnid order: the first
      three are the devkit's (1 kit fox n02119789, 2 English setter n02100735, 3 Siberian husky n02110185),
      the rest a seeded permutation, since the devkit itself is not redistributable here. The reader takes
      the order from the file, so any permutation tests it.
  small-v6.mat    uncompressed (-v6 style) numeric, char, cell and struct values for the reader's unit test.

Run from the repository root:  /usr/bin/python3 bench/dev/gen-imagenet-devkit.py
Needs Debian's python3-numpy python3-scipy. Neither the product nor its tests need Python; outputs are committed.
"""
import os
import re

import numpy as np
import scipy.io

OUT = 'test/fixtures/imagenet'
src = open('src/datasets/imagenet-wnids.ts').read()
WNIDS = re.search(r'IMAGENET_WNIDS[^`]*`(.*?)`', src, re.S).group(1).split()
assert len(WNIDS) == 1000 and WNIDS == sorted(WNIDS)

first = ['n02119789', 'n02100735', 'n02110185']
rest = [w for w in WNIDS if w not in first]
rng = np.random.default_rng(20)
order = first + [rest[i] for i in rng.permutation(len(rest))]

fields = ['ILSVRC2012_ID', 'WNID', 'words', 'gloss', 'num_children', 'children', 'wordnet_height', 'num_train_images']
inner = [('n00001740', 'entity'), ('n00021939', 'artifact, artefact'), ('n01317541', 'domestic animal, domesticated animal')]
rows = len(order) + len(inner)
synsets = np.empty((rows, 1), dtype=[(f, 'O') for f in fields])
for i, w in enumerate(order):
    synsets[i, 0] = (np.array([[i + 1]], dtype=np.uint16), w, f'words of {w}', f'gloss of {w}', np.array([[0]], dtype=np.uint8),
                     np.zeros((1, 0)), np.array([[0]], dtype=np.uint8), np.array([[1300]], dtype=np.uint16))
for j, (w, words) in enumerate(inner):
    synsets[len(order) + j, 0] = (np.array([[1001 + j]], dtype=np.uint16), w, words, 'an inner synset', np.array([[2]], dtype=np.uint8),
                                  np.array([[1, 2]], dtype=np.uint16), np.array([[3]], dtype=np.uint8), np.array([[2600]], dtype=np.uint16))

os.makedirs(f'{OUT}/ILSVRC2012_devkit_t12/data', exist_ok=True)
scipy.io.savemat(f'{OUT}/ILSVRC2012_devkit_t12/data/meta.mat', {'synsets': synsets}, do_compression=True, oned_as='column')

small = np.empty((2, 1), dtype=[('id', 'O'), ('name', 'O')])
small[0, 0] = (np.array([[7]], dtype=np.int32), 'seven')
small[1, 0] = (np.array([[2.5, -1.0]]), 'two and a half')
cells = np.empty((1, 2), dtype=object)
cells[0, 0] = 'a'
cells[0, 1] = np.array([[1, 2], [3, 4]], dtype=np.uint8)
scipy.io.savemat(f'{OUT}/small-v6.mat', {'s': small, 'c': cells, 'x': np.array([[1.5, 2.5, 3.5]]), 't': 'héllo'}, do_compression=False)
print('wrote', OUT)
