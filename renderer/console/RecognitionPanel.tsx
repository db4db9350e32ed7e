/**
 * The console's recognition tab: what the site's gateways have learnt (any
 * gateway's enrolments replicate to all), teaching a product from 3-10
 * photos the operator takes of it, and forgetting one everywhere.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { isEdgePayError, type EnrolmentView } from '../../core/index.ts';
import { useClient } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';

/** A picked photo as base64 (what the API takes), without a data: prefix. */
async function fileToBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function RecognitionPanel({ token }: { token: string }) {
  const client = useClient();
  const { t, time } = useI18n();
  const [enrolments, setEnrolments] = useState<EnrolmentView[] | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [productId, setProductId] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);

  const load = useCallback(async () => {
    try {
      setEnrolments(await client.enrolments(token));
    } catch (err) {
      if (isEdgePayError(err, 'RECOGNITION_UNAVAILABLE')) setUnavailable(true);
      else setMsg({ ok: false, text: (err as Error).message });
    }
  }, [client, token]);
  useEffect(() => void load(), [load]);

  const enrol = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMsg(null);
    try {
      const frames = await Promise.all(files.map(fileToBase64));
      const view = await client.enrolProduct(token, { productId: productId.trim(), frames });
      setMsg({ ok: true, text: t('console.recognition.enrolled', { product: view.productId, views: view.views }) });
      setProductId('');
      setFiles([]);
      await load();
    } catch (err) {
      setMsg({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const forget = async (id: string) => {
    try {
      await client.forgetProduct(token, id);
      setMsg({ ok: true, text: t('console.recognition.forgotten', { product: id }) });
      await load();
    } catch (err) {
      setMsg({ ok: false, text: (err as Error).message });
    }
  };

  if (unavailable)
    return (
      <section className="card wide">
        <p>{t('console.recognition.unavailable')}</p>
      </section>
    );
  const products = [...new Set((enrolments ?? []).map((e) => e.productId))];
  return (
    <div className="grid">
      <section className="card wide" aria-labelledby="enrolments-title" data-testid="enrolments">
        <h2 id="enrolments-title">{t('console.recognition.title')}</h2>
        {enrolments && enrolments.length === 0 ? <p>{t('console.recognition.none')}</p> : null}
        {products.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th>{t('console.recognition.product')}</th>
                <th>{t('console.recognition.views')}</th>
                <th>{t('console.recognition.by')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {products.map((p) => {
                const rows = enrolments!.filter((e) => e.productId === p);
                return (
                  <tr key={p} data-testid={`enrolment-${p}`}>
                    <td>{p}</td>
                    <td>{rows.reduce((n, e) => n + e.views, 0)}</td>
                    <td>{rows.map((e) => `${e.createdBy} · ${time(e.createdAt)}`).join(', ')}</td>
                    <td>
                      <button type="button" className="btn" onClick={() => void forget(p)}>
                        {t('console.recognition.forget')}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : null}
      </section>
      <section className="card wide" aria-labelledby="enrol-title">
        <h2 id="enrol-title">{t('console.recognition.teach')}</h2>
        <p className="muted">{t('console.recognition.hint')}</p>
        <form onSubmit={(e) => void enrol(e)} className="scanner-form">
          <label htmlFor="enrol-product">{t('console.recognition.product')}</label>
          <input id="enrol-product" value={productId} onChange={(e) => setProductId(e.target.value)} />
          <label htmlFor="enrol-photos">{t('console.recognition.photos')}</label>
          <input id="enrol-photos" type="file" accept="image/jpeg,image/png" multiple onChange={(e) => setFiles(Array.from(e.target.files ?? []))} />
          <button type="submit" className="btn primary" disabled={busy || !productId.trim() || files.length < 3 || files.length > 10}>
            {busy ? t('console.recognition.learning') : t('console.recognition.enrol', { n: files.length })}
          </button>
        </form>
      </section>
      {msg ? (
        <p className={msg.ok ? 'muted' : 'error'} role="status">
          {msg.text}
        </p>
      ) : null}
    </div>
  );
}
