// orderdesk Mini App: catalog, item, cart, checkout, my orders (live over /ws).
// Every text from the server goes into the page through textContent, never as HTML.
(function () {
  'use strict';

  var API = '/api/v1';
  var tg = (window.Telegram && window.Telegram.WebApp) || null;
  var unsafe = (tg && tg.initDataUnsafe) || {};
  var tgUser = unsafe.user || {};
  var lang = localeOf(tgUser.language_code);
  var T = {};
  var state = {
    token: null, refresh: null, me: null,
    orderTypes: {}, shopType: null,
    categories: [], category: null, query: '', items: [], next: null,
    orders: {}, live: false
  };
  var view = document.getElementById('view');
  var mainHandler = null;
  var backHandler = null;
  var searchTimer = null;
  var socket = null;
  var lastEventId = null;

  // ---- helpers ---------------------------------------------------------------------------

  function localeOf(code) {
    // Same rule as the bot (TelegramIdentity.locale): Russian unless Telegram says otherwise.
    var c = String(code || '').split('-')[0].toLowerCase();
    return (c === 'ru' || c === '') ? 'ru' : 'en';
  }

  function t(key, params) {
    var text = T[key] || key;
    if (params) {
      Object.keys(params).forEach(function (name) {
        text = text.split('{' + name + '}').join(String(params[name]));
      });
    }
    return text;
  }

  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === 'text') el.textContent = String(value);
      else if (name === 'onclick') el.addEventListener('click', value);
      else if (name === 'oninput') el.addEventListener('input', value);
      else el.setAttribute(name, value === true ? '' : String(value));
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) child.forEach(function (c) { if (c) el.appendChild(c); });
      else el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return el;
  }

  function setChildren(el, nodes) {
    // (Element.replaceChildren is missing in older Telegram webviews.)
    while (el.firstChild) el.removeChild(el.firstChild);
    nodes.forEach(function (node) { if (node) el.appendChild(node); });
  }

  function show() {
    setChildren(view, Array.prototype.slice.call(arguments));
  }

  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
        style: 'currency', currency: currency || 'RUB', maximumFractionDigits: 2
      }).format(Number(amount));
    } catch (e) {
      return String(amount) + ' ' + (currency || '');
    }
  }

  function number(value) {
    return new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB').format(Number(value));
  }

  function localized(label) {
    if (!label) return '';
    if (typeof label === 'string') return label;
    return label[lang] || label.ru || label.en || '';
  }

  function toast(text) {
    var box = document.getElementById('toast');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.hidden = true; }, 2500);
  }

  // ---- Telegram: theme, MainButton, BackButton -------------------------------------------

  function applyTheme() {
    var params = (tg && tg.themeParams) || {};
    var root = document.documentElement.style;
    Object.keys(params).forEach(function (key) {
      if (/^[a-z_]+$/.test(key) && typeof params[key] === 'string') {
        root.setProperty('--tg-theme-' + key.replace(/_/g, '-'), params[key]);
      }
    });
    if (tg && tg.colorScheme) document.documentElement.dataset.scheme = tg.colorScheme;
  }

  function mainButton(text, handler) {
    if (!tg || !tg.MainButton) return;
    var button = tg.MainButton;
    if (mainHandler) button.offClick(mainHandler);
    mainHandler = null;
    if (!text) { button.hide(); return; }
    mainHandler = function () { handler(); };
    button.setText(text);
    button.onClick(mainHandler);
    button.enable();
    button.show();
  }

  function mainProgress(on) {
    if (!tg || !tg.MainButton) return;
    if (on) { tg.MainButton.showProgress(); tg.MainButton.disable(); }
    else { tg.MainButton.hideProgress(); tg.MainButton.enable(); }
  }

  function backButton(visible) {
    if (!tg || !tg.BackButton) return;
    if (!backHandler) {
      backHandler = function () {
        if (history.length > 1) history.back(); else go('/');
      };
      tg.BackButton.onClick(backHandler);
    }
    if (visible) tg.BackButton.show(); else tg.BackButton.hide();
  }

  // ---- API --------------------------------------------------------------------------------

  function ApiError(status, body) {
    this.status = status;
    this.body = body || {};
    this.message = (body && (body.detail || body.title)) || t('error');
  }

  function request(method, path, body, extra, retried) {
    var headers = { 'Accept': 'application/json', 'Accept-Language': lang };
    if (state.token) headers['Authorization'] = 'Bearer ' + state.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    Object.keys(extra || {}).forEach(function (name) { headers[name] = extra[name]; });
    return fetch(API + path, {
      method: method, headers: headers, credentials: 'omit',
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 401 && state.token && !retried) {
        return renew().then(function () { return request(method, path, body, extra, true); });
      }
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!response.ok) throw new ApiError(response.status, data);
        return data;
      });
    });
  }

  function get(path) { return request('GET', path); }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      if (value !== null && value !== undefined && value !== '') {
        parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(value));
      }
    });
    return parts.length ? '?' + parts.join('&') : '';
  }

  function useTokens(pair) {
    var renewed = state.token !== null;
    state.token = pair.access_token;
    state.refresh = pair.refresh_token;
    if (renewed && socket && socket.readyState === 1) {
      socket.send(JSON.stringify({ type: 'auth', token: state.token }));
    }
  }

  function login() {
    // The only way in: the initData Telegram signed, verified by the server.
    state.token = null;
    return request('POST', '/auth/telegram/webapp', { init_data: tg.initData }, null, true)
      .then(useTokens);
  }

  function renew() {
    // An expired access token: rotate the refresh token; if that fails, log in again.
    if (!state.refresh) return login();
    var refresh = state.refresh;
    state.token = null;
    state.refresh = null;
    return request('POST', '/auth/refresh', { refresh_token: refresh }, null, true)
      .then(useTokens, login);
  }

  // ---- cart (localStorage, per Telegram user) -----------------------------------------------

  function cartKey() { return 'orderdesk.cart.' + (tgUser.id || 'anon'); }

  function cart() {
    try {
      var data = JSON.parse(localStorage.getItem(cartKey()) || '[]');
      return Array.isArray(data) ? data : [];
    } catch (e) { return []; }
  }

  function saveCart(lines) {
    localStorage.setItem(cartKey(), JSON.stringify(lines));
    var count = lines.reduce(function (sum, line) { return sum + line.qty; }, 0);
    document.getElementById('cart-count').textContent = count ? String(count) : '';
  }

  function addToCart(item) {
    var lines = cart();
    var line = lines.filter(function (l) { return l.id === item.id; })[0];
    if (line) line.qty += 1;
    else lines.push({ id: item.id, name: item.name, price: item.price, currency: item.currency, qty: 1 });
    saveCart(lines);
    return line ? line.qty : 1;
  }

  function setQty(id, qty) {
    var lines = cart().map(function (l) { if (l.id === id) l.qty = qty; return l; })
      .filter(function (l) { return l.qty > 0; });
    saveCart(lines);
  }

  function cartTotal(lines) {
    return lines.reduce(function (sum, l) { return sum + Number(l.price) * l.qty; }, 0);
  }

  // ---- routing ----------------------------------------------------------------------------

  function routeOf(hash) {
    var path = String(hash || '').replace(/^#/, '');
    var q = path.indexOf('?');
    if (q >= 0) path = path.slice(0, q);
    if (path.charAt(0) !== '/') return '/';   // e.g. Telegram's own #tgWebAppData=...
    return path;
  }

  function go(path) {
    if (routeOf(location.hash) === path) render(); else location.hash = '#' + path;
  }

  function startRoute() {
    // A deep link #/orders/5 (Telegram may append "?tgWebAppData=..." to it), or start_param.
    var initial = tg && tg.WebView && tg.WebView.initParams && tg.WebView.initParams._path;
    var path = routeOf(initial ? '#' + initial : location.hash);
    var start = String(unsafe.start_param || '');
    var match = /^(order|item)[-_](\d+)$/.exec(start);
    if (path === '/' && match) path = (match[1] === 'order' ? '/orders/' : '/item/') + match[2];
    history.replaceState(null, '', '#' + path);
  }

  function render() {
    var path = routeOf(location.hash);
    var parts = path.split('/').filter(Boolean);
    document.querySelectorAll('nav#bar a').forEach(function (a) {
      var section = a.id.replace('nav-', '');
      var current = parts[0] === 'item' || !parts[0] ? 'catalog'
        : (parts[0] === 'checkout' ? 'cart' : parts[0]);
      a.classList.toggle('active', section === current);
    });
    backButton(parts.length > 0);
    mainButton(null);
    if (!parts.length) return renderCatalog();
    if (parts[0] === 'item' && parts[1]) return renderItem(Number(parts[1]));
    if (parts[0] === 'cart') return renderCart();
    if (parts[0] === 'checkout') return renderCheckout();
    if (parts[0] === 'orders' && parts[1]) return renderOrder(Number(parts[1]));
    if (parts[0] === 'orders') return renderOrders();
    return renderCatalog();
  }

  function failed(error) {
    show(h('p', { class: 'field-error', text: (error && error.message) || t('error') }),
      h('button', { class: 'primary', text: t('retry'), onclick: render }));
  }

  // ---- catalog ----------------------------------------------------------------------------

  function itemCard(item) {
    return h('a', { class: 'card item', href: '#/item/' + item.id, 'data-item': item.id },
      h('div', { class: 'name', text: item.name }),
      h('div', { class: 'price', text: money(item.price, item.currency) }));
  }

  function loadItems(more) {
    var params = {
      limit: 30, q: state.query, category_id: state.category,
      cursor: more ? state.next : null
    };
    return get('/items' + query(params)).then(function (page) {
      state.items = more ? state.items.concat(page.items) : page.items;
      state.next = page.next_cursor;
    });
  }

  function renderCatalog() {
    var search = h('input', {
      id: 'search', type: 'search', placeholder: t('search'), value: state.query,
      autocomplete: 'off', 'aria-label': t('search')
    });
    var chips = h('div', { class: 'chips', id: 'categories' });
    var list = h('div', { class: 'grid', id: 'items' });
    var more = h('div');
    function chip(label, id) {
      return h('button', {
        class: 'chip' + (state.category === id ? ' active' : ''), text: label,
        'data-category': id === null ? '' : id,
        onclick: function () { state.category = id; renderCatalog(); }
      });
    }
    function fill() {
      setChildren(list, state.items.map(itemCard));
      if (!state.items.length) list.appendChild(h('p', { class: 'muted', text: t('nothing_found') }));
      setChildren(more, []);
      if (state.next) {
        more.appendChild(h('button', {
          class: 'primary', text: t('more'),
          onclick: function () { loadItems(true).then(fill, failed); }
        }));
      }
    }
    search.addEventListener('input', function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () {
        state.query = search.value.trim();
        loadItems(false).then(fill, failed);
      }, 250);
    });
    chips.appendChild(chip(t('all_categories'), null));
    state.categories.forEach(function (c) { chips.appendChild(chip(c.name, c.id)); });
    show(h('h1', { text: t('catalog') }), search, chips, list, more);
    list.appendChild(h('p', { class: 'muted', text: t('loading') }));
    loadItems(false).then(fill, failed);
  }

  // ---- item -------------------------------------------------------------------------------

  function renderItem(id) {
    show(h('p', { class: 'muted', text: t('loading') }));
    get('/items/' + id).then(function (item) {
      var inCart = h('p', { class: 'muted', id: 'in-cart' });
      function refreshCount() {
        var line = cart().filter(function (l) { return l.id === item.id; })[0];
        inCart.textContent = line ? t('in_cart', { count: line.qty }) : '';
      }
      var stock = item.stock === null || item.stock === undefined ? null
        : (Number(item.stock) > 0 ? t('in_stock', { stock: number(item.stock) }) : t('out_of_stock'));
      show(
        h('h1', { id: 'item-name', text: item.name }),
        h('p', { class: 'price', text: money(item.price, item.currency) }),
        stock && h('p', { class: 'muted', text: stock }),
        item.description && h('p', { class: 'description', text: item.description }),
        h('p', { class: 'muted', text: t('sku') + ': ' + item.sku }),
        inCart
      );
      refreshCount();
      mainButton(t('add_to_cart'), function () {
        addToCart(item);
        refreshCount();
        toast(t('added'));
        if (tg && tg.HapticFeedback) tg.HapticFeedback.impactOccurred('light');
      });
    }, function (error) {
      show(h('p', { class: 'field-error', text: error.status === 404 ? t('item_not_found') : error.message }));
    });
  }

  // ---- cart and checkout ------------------------------------------------------------------

  function renderCart() {
    var lines = cart();
    if (!lines.length) {
      show(h('h1', { text: t('cart') }), h('p', { class: 'muted', id: 'cart-empty', text: t('cart_empty') }));
      return;
    }
    var rows = lines.map(function (line) {
      return h('div', { class: 'row cart-line', 'data-item': line.id },
        h('div', { class: 'grow' },
          h('div', { class: 'name', text: line.name }),
          h('div', { class: 'muted', text: money(line.price, line.currency) })),
        h('div', { class: 'qty' },
          h('button', { 'aria-label': t('decrease'), text: '−',
            onclick: function () { setQty(line.id, line.qty - 1); renderCart(); } }),
          h('span', { class: 'count', text: ' ' + line.qty + ' ' }),
          h('button', { 'aria-label': t('increase'), text: '+',
            onclick: function () { setQty(line.id, line.qty + 1); renderCart(); } })));
    });
    show(h('h1', { text: t('cart') }), h('div', {}, rows),
      h('div', { class: 'total' }, h('span', { text: t('total') }),
        h('span', { id: 'cart-total', text: money(cartTotal(lines), lines[0].currency) })));
    mainButton(t('checkout'), function () { go('/checkout'); });
  }

  function attributeInput(field) {
    var id = 'attr-' + field.name;
    var input;
    if (field.type === 'enum') {
      input = h('select', { id: id, name: field.name },
        h('option', { value: '', text: t('choose') }),
        (field.enum || []).map(function (value) {
          return h('option', { value: value, text: T['enum.' + value] || value });
        }));
    } else if (field.type === 'text') {
      input = h('textarea', { id: id, name: field.name, rows: 3 });
    } else if (field.type === 'boolean') {
      input = h('select', { id: id, name: field.name },
        h('option', { value: '', text: t('choose') }),
        h('option', { value: 'true', text: t('yes') }));
    } else {
      var type = { integer: 'number', decimal: 'number', date: 'date', datetime: 'datetime-local' }[field.type];
      input = h('input', { id: id, name: field.name, type: type || 'text' });
    }
    if (field.required) input.required = true;
    return h('div', { class: 'field' },
      h('label', { for: id, text: localized(field.label) + (field.required ? ' (' + t('required') + ')' : '') }),
      input, h('div', { class: 'field-error', 'data-field': 'attributes.' + field.name }));
  }

  function attributeValue(field, raw) {
    if (raw === '') return undefined;
    if (field.type === 'integer') return parseInt(raw, 10);
    if (field.type === 'boolean') return raw === 'true';
    if (field.type === 'datetime') return new Date(raw).toISOString();
    return raw;
  }

  function renderCheckout() {
    var lines = cart();
    var type = state.shopType;
    if (!lines.length) { go('/cart'); return; }
    if (!type) { show(h('p', { class: 'field-error', text: t('no_shop') })); return; }
    var fields = type.attribute_schema || [];
    var form = h('form', { id: 'checkout', novalidate: true },
      fields.map(attributeInput),
      h('div', { class: 'field' },
        h('label', { for: 'note', text: t('note') }),
        h('textarea', { id: 'note', name: 'note', rows: 2 })),
      h('p', { class: 'field-error', id: 'form-error' }));
    form.addEventListener('submit', function (event) { event.preventDefault(); submit(); });
    show(h('h1', { text: t('checkout') }),
      h('div', {}, lines.map(function (l) {
        return h('div', { class: 'row' }, h('span', { class: 'grow', text: l.name }),
          h('span', { text: l.qty + ' × ' + money(l.price, l.currency) }));
      })),
      h('div', { class: 'total' }, h('span', { text: t('total') }),
        h('span', { text: money(cartTotal(lines), lines[0].currency) })),
      form);

    function submit() {
      var attributes = {};
      fields.forEach(function (field) {
        var value = attributeValue(field, form.elements[field.name].value.trim());
        if (value !== undefined) attributes[field.name] = value;
      });
      form.querySelectorAll('.field-error').forEach(function (el) { el.textContent = ''; });
      var body = {
        order_type: type.code, channel: 'mini_app', attributes: attributes,
        note: form.elements.note.value.trim(),
        lines: lines.map(function (l) { return { item_id: l.id, quantity: String(l.qty) }; })
      };
      mainProgress(true);
      var key = checkoutKey(body);
      request('POST', '/orders', body, { 'Idempotency-Key': key }).then(function (order) {
        mainProgress(false);
        checkoutAttempt = null;
        saveCart([]);
        state.orders[order.id] = order;
        if (tg && tg.HapticFeedback) tg.HapticFeedback.notificationOccurred('success');
        toast(t('order_placed', { number: order.number }));
        history.replaceState(null, '', '#/orders');
        go('/orders/' + order.id);
      }, function (error) {
        mainProgress(false);
        var errors = (error.body && error.body.errors) || [];
        errors.forEach(function (e) {
          var slot = form.querySelector('[data-field="' + CSS.escape(String(e.field)) + '"]');
          if (slot) slot.textContent = e.message;
        });
        var unplaced = errors.filter(function (e) {
          return !form.querySelector('[data-field="' + CSS.escape(String(e.field)) + '"]');
        });
        document.getElementById('form-error').textContent = [error.message]
          .concat(unplaced.map(function (e) { return e.field + ': ' + e.message; })).join(' ');
      });
    }
    mainButton(t('place_order'), submit);
  }

  // One key per order the customer means to place: the same cart and form sent again (after a
  // lost response or a second tap) reuse it, so the server places the order once and replays
  // it; a changed cart or form is a new attempt with a new key.
  var checkoutAttempt = null;

  function checkoutKey(body) {
    var text = JSON.stringify(body);
    if (!checkoutAttempt || checkoutAttempt.body !== text) {
      checkoutAttempt = { body: text, key: randomKey() };
    }
    return checkoutAttempt.key;
  }

  function randomKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ('0' + b.toString(16)).slice(-2);
    }).join('');
  }

  // ---- my orders --------------------------------------------------------------------------

  function statusLabel(order) {
    var type = state.orderTypes[order.order_type_id];
    var statuses = (type && type.workflow && type.workflow.statuses) || [];
    var found = statuses.filter(function (s) { return s.code === order.status; })[0];
    return found ? localized(found.label) : order.status;
  }

  function statusBadge(order) {
    return h('span', {
      class: 'status', 'data-order': order.id, 'data-status': order.status,
      text: statusLabel(order)
    });
  }

  function liveNote() {
    return h('p', { class: 'muted', id: 'live', text: state.live ? t('live') : t('offline') });
  }

  function renderOrders() {
    show(h('h1', { text: t('my_orders') }), h('p', { class: 'muted', text: t('loading') }));
    get('/orders' + query({ limit: 50 })).then(function (page) {
      page.items.forEach(function (o) { state.orders[o.id] = Object.assign(state.orders[o.id] || {}, o); });
      if (routeOf(location.hash) !== '/orders') return;
      var rows = page.items.map(function (order) {
        return h('a', { class: 'row order', href: '#/orders/' + order.id, 'data-order': order.id },
          h('div', { class: 'grow' },
            h('div', { class: 'name', text: t('order', { number: order.number }) }),
            h('div', { class: 'muted', text: money(order.total, order.currency) })),
          statusBadge(order));
      });
      show(h('h1', { text: t('my_orders') }),
        rows.length ? h('div', { id: 'orders' }, rows) : h('p', { class: 'muted', text: t('no_orders') }),
        liveNote());
    }, failed);
  }

  function renderOrder(id) {
    show(h('p', { class: 'muted', text: t('loading') }));
    get('/orders/' + id).then(function (order) {
      state.orders[order.id] = order;
      if (routeOf(location.hash) !== '/orders/' + id) return;
      show(
        h('h1', { id: 'order-title', text: t('order', { number: order.number }) }),
        h('p', {}, t('status') + ': ', statusBadge(order)),
        h('h2', { text: t('items') }),
        h('div', {}, (order.lines || []).map(function (line) {
          return h('div', { class: 'row' }, h('span', { class: 'grow', text: line.name }),
            h('span', { text: number(line.quantity) + ' × ' + money(line.unit_price, order.currency) }));
        })),
        h('div', { class: 'total' }, h('span', { text: t('total') }),
          h('span', { text: money(order.total, order.currency) })),
        liveNote());
    }, function (error) {
      show(h('p', { class: 'field-error', text: error.status === 404 ? t('order_not_found') : error.message }));
    });
  }

  function orderChanged(payload) {
    var known = Object.prototype.hasOwnProperty.call(state.orders, payload.id);
    if (!known && routeOf(location.hash) === '/orders') { renderOrders(); return; }
    var order = state.orders[payload.id] || {};
    Object.assign(order, payload);
    state.orders[payload.id] = order;
    document.querySelectorAll('.status[data-order="' + Number(payload.id) + '"]').forEach(function (el) {
      el.dataset.status = order.status;
      el.textContent = statusLabel(order);
    });
  }

  function setLive(on) {
    state.live = on;
    var note = document.getElementById('live');
    if (note) note.textContent = on ? t('live') : t('offline');
  }

  // ---- live status over the WebSocket (token sent in the first message, never in the URL) ---

  function connect() {
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var ws = new WebSocket(scheme + location.host + '/ws?lang=' + lang);
    socket = ws;
    ws.onopen = function () {
      var hello = { type: 'auth', token: state.token, topics: ['orders'] };
      if (lastEventId !== null) hello.last_event_id = lastEventId;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if (data.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
      else if (data.type === 'subscribed') setLive(true);
      else if (data.type === 'event') {
        lastEventId = data.id;
        if (data.aggregate === 'order' && data.payload && data.payload.id) orderChanged(data.payload);
      }
    };
    ws.onclose = function (event) {
      socket = null;
      setLive(false);
      var again = event.code === 4401 ? renew() : Promise.resolve();
      again.then(function () { setTimeout(connect, 2000); }, function () { setTimeout(connect, 5000); });
    };
  }

  // ---- start ------------------------------------------------------------------------------

  function errorScreen(message, detail) {
    mainButton(null);
    document.getElementById('bar').hidden = true;
    show(h('div', { class: 'error-screen', id: 'error-screen' },
      h('h1', { text: t('error_title') }),
      h('p', { id: 'error-message', text: message }),
      detail && h('p', { class: 'muted', id: 'error-detail', text: detail })));
  }

  function loadTexts() {
    return fetch('/app/texts.json', { credentials: 'omit' }).then(function (r) { return r.json(); })
      .then(function (all) {
        T = all[lang] || all.ru;
        document.documentElement.lang = lang;
        document.title = T.title;
        document.querySelectorAll('[data-t]').forEach(function (el) { el.textContent = t(el.dataset.t); });
      });
  }

  function loadShop() {
    return Promise.all([
      get('/categories' + query({ limit: 500, sort: 'position' })).catch(function () { return { items: [] }; }),
      get('/order-types' + query({ limit: 100, active: 'true', sort: 'id' }))
    ]).then(function (results) {
      state.categories = results[0].items;
      results[1].items.forEach(function (type) { state.orderTypes[type.id] = type; });
      state.shopType = results[1].items[0] || null;
    });
  }

  function start() {
    applyTheme();
    loadTexts().then(function () {
      if (!tg || !tg.initData) { errorScreen(t('no_telegram')); return; }
      tg.ready();
      tg.expand();
      if (tg.onEvent) tg.onEvent('themeChanged', applyTheme);
      startRoute();
      return login().then(function () {
        return loadShop();
      }).then(function () {
        document.getElementById('bar').hidden = false;
        saveCart(cart());
        window.addEventListener('hashchange', render);
        render();
        connect();
      }, function (error) {
        if (error && error.status === 401) errorScreen(t('auth_failed'), error.body.detail);
        else errorScreen((error && error.message) || t('error'));
      });
    }).catch(function () {
      errorScreen('Что-то пошло не так / Something went wrong');
    });
  }

  start();
})();
