export { BLACK, Canvas, Color, GREY, PALETTE, WHITE } from './canvas';
export { linePanels, niceTicks, Panel, scatterPlot, ScatterOptions, Series } from './plots';
export { embeddingsTsv, shortFloat, spriteImage, writeProjector } from './projector';
export { ReportPage, reportHtml, trainingCurves } from './report';
export { tsne, TsneOptions } from './tsne';
