/**
 * An ImageNet-sized prompt set without ImageNet: OpenAI's 80 ImageNet templates (CLIP repo,
 * `notebooks/Prompt_Engineering_for_ImageNet.ipynb`) × 1,000 class names. The names are 100 real
 * ImageNet class names (OpenAI's cleaned spelling, same notebook) used as they are for the first
 * 100 classes and with one of nine qualifiers for the other 900 ("Arctic ox", …): the same words and
 * lengths as ImageNet's names (1–4 words), so the token lengths, and hence the padding saved, are alike.
 */
import { classPrompts } from '../src/evaluation/zeroshot.ts';

export const IMAGENET_TEMPLATES = [
  'a bad photo of a {}.', 'a photo of many {}.', 'a sculpture of a {}.', 'a photo of the hard to see {}.',
  'a low resolution photo of the {}.', 'a rendering of a {}.', 'graffiti of a {}.', 'a bad photo of the {}.',
  'a cropped photo of the {}.', 'a tattoo of a {}.', 'the embroidered {}.', 'a photo of a hard to see {}.',
  'a bright photo of a {}.', 'a photo of a clean {}.', 'a photo of a dirty {}.', 'a dark photo of the {}.',
  'a drawing of a {}.', 'a photo of my {}.', 'the plastic {}.', 'a photo of the cool {}.',
  'a close-up photo of a {}.', 'a black and white photo of the {}.', 'a painting of the {}.', 'a painting of a {}.',
  'a pixelated photo of the {}.', 'a sculpture of the {}.', 'a bright photo of the {}.', 'a cropped photo of a {}.',
  'a plastic {}.', 'a photo of the dirty {}.', 'a jpeg corrupted photo of a {}.', 'a blurry photo of the {}.',
  'a photo of the {}.', 'a good photo of the {}.', 'a rendering of the {}.', 'a {} in a video game.',
  'a photo of one {}.', 'a doodle of a {}.', 'a close-up photo of the {}.', 'a photo of a {}.',
  'the origami {}.', 'the {} in a video game.', 'a sketch of a {}.', 'a doodle of the {}.',
  'a origami {}.', 'a low resolution photo of a {}.', 'the toy {}.', 'a rendition of the {}.',
  'a photo of the clean {}.', 'a photo of a large {}.', 'a rendition of a {}.', 'a photo of a nice {}.',
  'a photo of a weird {}.', 'a blurry photo of a {}.', 'a cartoon {}.', 'art of a {}.',
  'a sketch of the {}.', 'a embroidered {}.', 'a pixelated photo of a {}.', 'itap of the {}.',
  'a jpeg corrupted photo of the {}.', 'a good photo of a {}.', 'a plushie {}.', 'a photo of the nice {}.',
  'a photo of the small {}.', 'a photo of the weird {}.', 'the cartoon {}.', 'art of the {}.',
  'a drawing of the {}.', 'a photo of the large {}.', 'a black and white photo of a {}.', 'the plushie {}.',
  'a dark photo of a {}.', 'itap of a {}.', 'graffiti of the {}.', 'a toy {}.',
  'itap of my {}.', 'a photo of a cool {}.', 'a photo of a small {}.', 'a tattoo of the {}.',
];

const NAMES = [
  'tench', 'goldfish', 'great white shark', 'tiger shark', 'hammerhead shark', 'electric ray', 'stingray', 'rooster',
  'hen', 'ostrich', 'brambling', 'goldfinch', 'house finch', 'junco', 'indigo bunting', 'American robin',
  'bulbul', 'jay', 'magpie', 'chickadee', 'American dipper', 'kite (bird of prey)', 'bald eagle', 'vulture',
  'great grey owl', 'fire salamander', 'smooth newt', 'newt', 'spotted salamander', 'axolotl', 'American bullfrog', 'tree frog',
  'tailed frog', 'loggerhead sea turtle', 'leatherback sea turtle', 'mud turtle', 'terrapin', 'box turtle', 'banded gecko', 'green iguana',
  'Carolina anole', 'desert grassland whiptail lizard', 'agama', 'frilled-necked lizard', 'alligator lizard', 'Gila monster', 'European green lizard', 'chameleon',
  'Komodo dragon', 'Nile crocodile', 'American alligator', 'triceratops', 'worm snake', 'ring-necked snake', 'eastern hog-nosed snake', 'smooth green snake',
  'kingsnake', 'garter snake', 'water snake', 'vine snake', 'night snake', 'boa constrictor', 'African rock python', 'Indian cobra',
  'green mamba', 'sea snake', 'Saharan horned viper', 'eastern diamondback rattlesnake', 'sidewinder rattlesnake', 'trilobite', 'harvestman', 'scorpion',
  'yellow garden spider', 'barn spider', 'European garden spider', 'southern black widow', 'tarantula', 'wolf spider', 'tick', 'centipede',
  'black grouse', 'ptarmigan', 'ruffed grouse', 'prairie grouse', 'peafowl', 'quail', 'partridge', 'african grey parrot',
  'macaw', 'sulphur-crested cockatoo', 'lorikeet', 'coucal', 'bee eater', 'hornbill', 'hummingbird', 'jacamar',
  'toucan', 'duck', 'red-breasted merganser', 'goose',
];
const QUALIFIERS = ['Arctic', 'giant', 'common', 'lesser', 'spotted', 'European', 'American', 'wild', 'miniature'];

/** 1,000 class names: the 100 real ones, then each with one of nine qualifiers. */
export function imagenetLikeClassNames(): string[] {
  const out = [...NAMES];
  for (const q of QUALIFIERS) for (const n of NAMES) out.push(`${q} ${n}`);
  return out;
}

/** The first `classes` classes × the 80 templates, class-major (classPrompts' order). */
export function imagenetLikePrompts(classes = 1000): { classes: string[]; templates: string[]; prompts: string[] } {
  const names = imagenetLikeClassNames().slice(0, classes);
  return { classes: names, templates: IMAGENET_TEMPLATES, prompts: classPrompts(names, IMAGENET_TEMPLATES) };
}
