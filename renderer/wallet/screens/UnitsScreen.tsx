/** My homes: the units I am registered at, and adding one of a building's units. */
import { useEffect, useState, type FormEvent } from 'react';
import { WALLET_API, type UnitView } from '../../../core/index.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { call } from '../api.ts';
import { errorText } from '../errors.ts';
import { useWalletData } from '../use-wallet-data.ts';

type Building = { buildingId: string; name: string; units: string[] };

export function UnitsScreen({ offline, onSessionLost }: { offline: boolean; onSessionLost: () => void }) {
  const { t } = useI18n();
  const { data: units, set } = useWalletData(WALLET_API.units, 'units', (j: { units: UnitView[] }) => j.units, onSessionLost);
  const [buildings, setBuildings] = useState<Building[]>([]);
  const [buildingId, setBuildingId] = useState('');
  const [unit, setUnit] = useState('');
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    call<{ buildings: Building[] }>('GET', '/wallet/api/buildings').then(
      (r) => {
        setBuildings(r.buildings);
        setBuildingId((b) => b || r.buildings[0]?.buildingId || '');
      },
      () => undefined,
    );
  }, []);
  const chosen = buildings.find((b) => b.buildingId === buildingId);

  const join = async (e: FormEvent) => {
    e.preventDefault();
    try {
      set((await call<{ units: UnitView[] }>('POST', WALLET_API.units, { buildingId, unit })).units);
      setMessage(null);
    } catch (err) {
      setMessage(errorText(err, t));
    }
  };

  return (
    <section className="card-panel" data-screen="units">
      <h1>{t('wallet.units')}</h1>
      {units && units.length === 0 && <p className="muted">{t('wallet.units.none')}</p>}
      <ul className="list">
        {units?.map((u) => (
          <li key={u.buildingId + '/' + u.unit} className="list-row" data-testid="unit-row">
            {t('wallet.units.row', { building: u.buildingName, unit: u.unit })}
          </li>
        ))}
      </ul>
      {buildings.length > 0 && (
        <form className="form" onSubmit={(e) => void join(e)}>
          <h2>{t('wallet.units.join')}</h2>
          <div className="form-row">
            <label>
              {t('wallet.units.building')}
              <select
                value={buildingId}
                onChange={(e) => {
                  setBuildingId(e.target.value);
                  setUnit('');
                }}
              >
                {buildings.map((b) => (
                  <option key={b.buildingId} value={b.buildingId}>
                    {b.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('wallet.units.unit')}
              <select value={unit} required onChange={(e) => setUnit(e.target.value)}>
                <option value="" />
                {chosen?.units.map((u) => (
                  <option key={u} value={u}>
                    {u}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {message && (
            <p className="form-error" role="alert">
              {message}
            </p>
          )}
          <button type="submit" className="primary" disabled={offline || !unit}>
            {t('wallet.units.add')}
          </button>
        </form>
      )}
    </section>
  );
}
