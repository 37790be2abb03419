//! Streaming reader of the tenant file, so half a million groups load
//! without holding the whole document in memory.

use crate::auth::App;
use crate::store::{StoredGroup, Tenant};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

pub struct Load<'a> {
    pub tenant: &'a mut Tenant,
    pub apps: &'a mut Vec<App>,
    pub saw_groups: bool,
}

impl<'de, 'a, 'b> Visitor<'de> for &'b mut Load<'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a tenant file: {\"tenantId\", \"domain\", \"apps\": [...], \"groups\": [...]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "tenantId" => {
                    let t: String = map.next_value()?;
                    if crate::util::parse_guid(&t).is_none() {
                        return Err(de::Error::custom(format!("tenantId '{}' is not a GUID", t)));
                    }
                    self.tenant.tenant_id = t.to_ascii_lowercase();
                }
                "domain" => self.tenant.domain = map.next_value()?,
                "apps" => {
                    let list: Vec<Value> = map.next_value()?;
                    for a in &list {
                        let app = App::from_json(a).map_err(de::Error::custom)?;
                        self.apps.retain(|x| !x.client_id.eq_ignore_ascii_case(&app.client_id));
                        self.apps.push(app);
                    }
                }
                "groups" => {
                    self.saw_groups = true;
                    map.next_value_seed(Groups { tenant: &mut *self.tenant })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Groups<'a> {
    tenant: &'a mut Tenant,
}

impl<'de, 'a> DeserializeSeed<'de> for Groups<'a> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 'a> Visitor<'de> for Groups<'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of Graph group objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while let Some(v) = seq.next_element::<Value>()? {
            let g = StoredGroup::from_file_json(&v, &self.tenant.domain)
                .map_err(|e| de::Error::custom(format!("group {}: {}", i, e)))?;
            self.tenant.groups.push(g);
            i += 1;
        }
        Ok(())
    }
}
