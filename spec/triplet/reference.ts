/** Brute-force references for the triplet specs: plain loops over the definitions, nothing shared with lib/. */

export function naiveDistances(e: ArrayLike<number>, b: number, dim: number, squared: boolean): number[][] {
  return Array.from({ length: b }, (_, i) =>
    Array.from({ length: b }, (_, j) => {
      let s = 0;
      for (let k = 0; k < dim; k++) s += (e[i * dim + k] - e[j * dim + k]) ** 2;
      return squared ? s : Math.sqrt(s);
    }),
  );
}

export function naiveBatchAll(d: number[][], labels: number[], margin: number): { loss: number; fraction: number } {
  let sum = 0;
  let positive = 0;
  let valid = 0;
  const b = labels.length;
  for (let a = 0; a < b; a++) {
    for (let p = 0; p < b; p++) {
      for (let n = 0; n < b; n++) {
        if (a === p || a === n || p === n || labels[a] !== labels[p] || labels[a] === labels[n]) continue;
        valid++;
        const loss = Math.max(d[a][p] - d[a][n] + margin, 0);
        sum += loss;
        if (loss > 1e-16) positive++;
      }
    }
  }
  return { loss: sum / (positive + 1e-16), fraction: positive / (valid + 1e-16) };
}

export function naiveBatchHard(
  d: number[][],
  labels: number[],
  margin: number,
): { loss: number; hp: number; hn: number } {
  const b = labels.length;
  let loss = 0;
  let hpSum = 0;
  let hnSum = 0;
  for (let a = 0; a < b; a++) {
    let hp = 0; // no positive: 0, as max over mask·d
    let hn = Infinity;
    for (let j = 0; j < b; j++) {
      if (j !== a && labels[j] === labels[a]) hp = Math.max(hp, d[a][j]);
      if (labels[j] !== labels[a]) hn = Math.min(hn, d[a][j]);
    }
    if (hn === Infinity) hn = Math.max(...d[a]); // no negative: the row max, as the original's shift gives
    loss += Math.max(hp - hn + margin, 0);
    hpSum += hp;
    hnSum += hn;
  }
  return { loss: loss / b, hp: hpSum / b, hn: hnSum / b };
}

export function naiveSemiHard(d: number[][], labels: number[], margin: number): number {
  const b = labels.length;
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < b; a++) {
    for (let p = 0; p < b; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      pairs++;
      const negatives = [...Array(b).keys()].filter((n) => labels[n] !== labels[a]).map((n) => d[a][n]);
      if (negatives.length === 0) continue;
      const farther = negatives.filter((dn) => dn > d[a][p]);
      const chosen = farther.length > 0 ? Math.min(...farther) : Math.max(...negatives);
      sum += Math.max(d[a][p] - chosen + margin, 0);
    }
  }
  return pairs > 0 ? sum / pairs : 0;
}
