// What a script that embeds clip-bench does, written once against an API object, so the test can run it
// both through the installed package (consumer.mjs, plain node) and in-process through src/.
export async function scenario(api, modelDir, dataDir, notResults) {
  const ds = await api.openDataset(dataDir);
  const model = await api.openModel(modelDir);
  try {
    // workers: 1 sends preprocessing through the worker thread, the one module loaded by file URL.
    const features = (split) => api.extractImageFeatures({ encoder: model, dataset: ds, split, cacheRoot: null, workers: 1, quiet: true });
    const [test, train] = [await features('test'), await features('train')];
    const [testLabels, trainLabels] = [await ds.labels('test'), await ds.labels('train')];
    const K = ds.classes.length;
    const text = await api.embedTexts(model, api.classPrompts(ds.classes, ds.templates), null);
    const zeroShot = api.evaluateZeroShot({
      imageFeats: test.features, labels: testLabels, textEmb: text.data,
      numClasses: K, numTemplates: ds.templates.length, dim: test.dim, scale: model.logitScale,
    });
    const sweep = api.sweepC(
      { X: api.l2NormalizeRows(train.features, trainLabels.length, train.dim), y: trainLabels, n: trainLabels.length },
      { X: api.l2NormalizeRows(test.features, testLabels.length, test.dim), y: testLabels, n: testLabels.length },
      { d: train.dim, numClasses: K, makeProbe: api.probeFactory('lbfgs'), grid: [1e2, 1, 1e-2], steps: 2 },
    );
    // A whole bench run on the opened Dataset object; probes fit on a worker thread (loaded by file URL too).
    const results = await api.runBench({
      modelRef: modelDir, datasets: [ds], shots: [1], seeds: [0, 1], limit: null, templatesFile: null,
      settings: api.DEFAULT_PROBE_SETTINGS, threads: 1, workers: 0, probeWorkers: 1, batchSize: 8, cacheRoot: null,
      exportFeaturesDir: null, dataDir: null, source: null, skipBad: false, bootstrapResamples: 50, zeroShot: true,
      argv: ['scenario'], quiet: true, log: () => {},
    }, model);
    const [benched] = results.datasets;
    let resultsError = null;
    try {
      await api.readResults(notResults);
    } catch (e) {
      resultsError = { isUserError: api.isUserError(e), message: e.message };
    }
    return {
      classes: [...ds.classes],
      dim: test.dim,
      testFeatures: Array.from(test.features),
      zeroShotTop1: zeroShot.metrics.top1,
      zeroShotScores: Array.from(zeroShot.scores),
      sweep: { C: sweep.C, valAccuracy: sweep.valAccuracy, fits: sweep.fits },
      bench: {
        problems: api.validateResults(results),
        zeroShotTop1: benched.zeroShot.top1.mean,
        probeTop1: benched.probes[0].perSeed.map((s) => s.metrics.top1),
        probeC: benched.probes[0].perSeed.map((s) => s.C),
      },
      resultsError,
    };
  } finally {
    await model.release();
  }
}
